/**
 * Variant: one table, nothing written back on read. A running job whose lease has ended is left
 * as it is in storage; every query computes its status as of now() with a CASE expression (a
 * derived view), and a claim takes such a job like any pending one. Claims run in DEFERRED
 * transactions (the kit reruns a body that lost the write lock, so read-then-write stays correct);
 * complete and release are single guarded UPDATEs; tokens are random UUIDs. The worker is Go
 * shaped: a channel (buffer) that `concurrency` slot loops take from, and a poll loop feeding it.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../../../harness/kit/db/index.ts';

export type JobStatus = 'pending' | 'running' | 'completed' | 'dead';

export interface Job {
  readonly key: string;
  readonly payload: string;
  readonly priority: number;
  readonly status: JobStatus;
  readonly attempts: number;
  readonly createdAt: Date;
  readonly runAt: Date;
  readonly lastError: string | null;
  readonly claimedBy: string | null;
  readonly leaseExpiresAt: Date | null;
  readonly finishedAt: Date | null;
}

export interface ClaimedJob {
  readonly key: string;
  readonly payload: string;
  readonly priority: number;
  readonly attempt: number;
  readonly workerId: string;
  readonly claimedAt: Date;
  readonly leaseExpiresAt: Date;
  readonly token: string;
}

export interface ClaimRef {
  readonly key: string;
  readonly token: string;
}

export interface DeadLetter {
  readonly key: string;
  readonly payload: string;
  readonly priority: number;
  readonly attempts: number;
  readonly lastError: string;
  readonly createdAt: Date;
  readonly deadLetteredAt: Date;
}

export interface QueueStats {
  readonly pending: number;
  readonly running: number;
  readonly completed: number;
  readonly dead: number;
}

export interface EnqueueOptions {
  readonly priority?: number;
  readonly delayMs?: number;
}

export interface EnqueueResult {
  readonly job: Job;
  readonly created: boolean;
}

export interface JobQueueOptions {
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly leaseMs?: number;
  readonly maxAttempts?: number;
  readonly backoffBaseMs?: number;
  readonly backoffCapMs?: number;
  readonly jitter?: 'none' | 'full';
  readonly random?: () => number;
}

export interface WorkerOptions {
  readonly workerId?: string;
  readonly concurrency?: number;
  readonly bufferSize?: number;
  readonly pollIntervalMs?: number;
}

export interface StopOptions {
  readonly graceMs?: number;
}

export type JobHandler = (job: ClaimedJob) => unknown;

export interface QueueWorker {
  readonly workerId: string;
  stop(options?: StopOptions): Promise<void>;
}

export interface JobQueue {
  init(): Promise<void>;
  enqueue(key: string, payload: string, options?: EnqueueOptions): Promise<EnqueueResult>;
  getJob(key: string): Promise<Job | undefined>;
  stats(): Promise<QueueStats>;
  claim(workerId: string, limit?: number): Promise<ClaimedJob[]>;
  complete(claim: ClaimRef): Promise<boolean>;
  fail(claim: ClaimRef, error: unknown): Promise<boolean>;
  release(claim: ClaimRef): Promise<boolean>;
  listDeadLetters(): Promise<DeadLetter[]>;
  replayDeadLetter(key: string): Promise<Job>;
  startWorker(handler: JobHandler, options?: WorkerOptions): QueueWorker;
}

export class JobNotFoundError extends Error {
  readonly code = 'JOB_NOT_FOUND';

  constructor(readonly key: string) {
    super(`no job has the key ${key}`);
    this.name = 'JobNotFoundError';
  }
}

export class JobNotDeadError extends Error {
  readonly code = 'JOB_NOT_DEAD';

  constructor(
    readonly key: string,
    readonly status: JobStatus,
  ) {
    super(`cannot replay ${key}: it is ${status}`);
    this.name = 'JobNotDeadError';
  }
}

const LARGEST = 2_147_483_647;

function shown(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) {
    return String(value);
  }
  return typeof value;
}

function check(condition: boolean, kind: 'type' | 'range', message: string): void {
  if (condition) return;
  throw kind === 'type' ? new TypeError(message) : new RangeError(message);
}

function whole(name: string, value: unknown, min: number, max: number): number {
  check(typeof value === 'number', 'type', `${name}: expected a number, got ${shown(value)}`);
  const number = value as number;
  check(
    Number.isInteger(number) && number >= min && number <= max,
    'range',
    `${name}: expected an integer in [${min}, ${max}], got ${shown(value)}`,
  );
  return number;
}

function text(name: string, value: unknown): string {
  check(typeof value === 'string', 'type', `${name}: expected a string, got ${shown(value)}`);
  check(value !== '', 'range', `${name}: expected a non-empty string, got ''`);
  return value as string;
}

function bag(name: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  check(typeof value === 'object' && value !== null, 'type', `${name}: expected an object, got ${shown(value)}`);
  return value as Record<string, unknown>;
}

function fn<T>(name: string, value: unknown, fallback: T): T {
  if (value === undefined) return fallback;
  check(typeof value === 'function', 'type', `${name}: expected a function, got ${shown(value)}`);
  return value as T;
}

function ref(value: unknown): ClaimRef {
  check(typeof value === 'object' && value !== null, 'type', `claim: expected { key, token }, got ${shown(value)}`);
  const { key, token } = value as Record<string, unknown>;
  check(typeof key === 'string', 'type', `claim.key: expected a string, got ${shown(key)}`);
  check(typeof token === 'string', 'type', `claim.token: expected a string, got ${shown(token)}`);
  return { key: key as string, token: token as string };
}

/** Status, due time and the rest of a row as of :now, with :max attempts. */
const VIEW = `
  SELECT id, job_key, payload, priority, attempts, created_at,
    CASE WHEN state = 'running' AND lease_until <= :now
      THEN CASE WHEN attempts >= :max THEN 'dead' ELSE 'pending' END ELSE state END AS state,
    CASE WHEN state = 'running' AND lease_until <= :now AND attempts < :max THEN lease_until ELSE run_at END AS run_at,
    CASE WHEN state = 'running' AND lease_until <= :now THEN 'lease expired' ELSE last_error END AS last_error,
    CASE WHEN state = 'running' AND lease_until <= :now THEN NULL ELSE worker END AS worker,
    CASE WHEN state = 'running' AND lease_until <= :now THEN NULL ELSE lease_until END AS lease_until,
    CASE WHEN state = 'running' AND lease_until <= :now AND attempts >= :max THEN lease_until ELSE finished_at END AS finished_at
  FROM queue_jobs`;

interface ViewRow {
  id: number;
  job_key: string;
  payload: string;
  priority: number;
  attempts: number;
  created_at: number;
  state: JobStatus;
  run_at: number;
  last_error: string | null;
  worker: string | null;
  lease_until: number | null;
  finished_at: number | null;
}

const asJob = (row: ViewRow): Job => ({
  key: row.job_key,
  payload: row.payload,
  priority: row.priority,
  status: row.state,
  attempts: row.attempts,
  createdAt: new Date(row.created_at),
  runAt: new Date(row.run_at),
  lastError: row.last_error,
  claimedBy: row.worker,
  leaseExpiresAt: row.lease_until === null ? null : new Date(row.lease_until),
  finishedAt: row.finished_at === null ? null : new Date(row.finished_at),
});

class DerivedQueue implements JobQueue {
  constructor(
    private readonly db: Database,
    readonly now: () => number,
    readonly sleep: (ms: number) => Promise<void>,
    private readonly leaseMs: number,
    private readonly maxAttempts: number,
    private readonly base: number,
    private readonly cap: number,
    private readonly jitter: 'none' | 'full',
    private readonly random: () => number,
  ) {}

  private view(db: Queryable, where: string, params: Record<string, string | number>): Promise<ViewRow[]> {
    return db.all<ViewRow>(`SELECT * FROM (${VIEW}) ${where}`, { now: this.now(), max: this.maxAttempts, ...params });
  }

  async init(): Promise<void> {
    await this.db.exec(`
      CREATE TABLE IF NOT EXISTS queue_jobs (
        id INTEGER PRIMARY KEY,
        job_key TEXT NOT NULL,
        payload TEXT NOT NULL,
        priority INTEGER NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        run_at INTEGER NOT NULL,
        last_error TEXT,
        worker TEXT,
        lease_until INTEGER,
        finished_at INTEGER,
        token TEXT
      );
      CREATE UNIQUE INDEX IF NOT EXISTS queue_jobs_by_key ON queue_jobs (job_key);
      CREATE INDEX IF NOT EXISTS queue_jobs_by_state ON queue_jobs (state, priority, run_at);`);
  }

  async enqueue(key: string, payload: string, options?: EnqueueOptions): Promise<EnqueueResult> {
    text('key', key);
    check(typeof payload === 'string', 'type', `payload: expected a string, got ${shown(payload)}`);
    const given = bag('options', options);
    let priority = 0;
    if (given.priority !== undefined) {
      check(typeof given.priority === 'number', 'type', `priority: expected a number, got ${shown(given.priority)}`);
      check(
        Number.isSafeInteger(given.priority),
        'range',
        `priority: expected a safe integer, got ${shown(given.priority)}`,
      );
      priority = given.priority as number;
    }
    const delayMs = given.delayMs === undefined ? 0 : whole('delayMs', given.delayMs, 0, LARGEST);
    return this.db.transaction(async (tx) => {
      const now = this.now();
      const { changes } = await tx.run(
        `INSERT INTO queue_jobs (job_key, payload, priority, state, created_at, run_at)
         VALUES (?, ?, ?, 'pending', ?, ?) ON CONFLICT (job_key) DO NOTHING`,
        key,
        payload,
        priority,
        now,
        now + delayMs,
      );
      const [row] = await this.view(tx, 'WHERE job_key = :key', { key });
      return { job: asJob(row!), created: changes > 0 };
    });
  }

  async getJob(key: string): Promise<Job | undefined> {
    text('key', key);
    const [row] = await this.view(this.db, 'WHERE job_key = :key', { key });
    return row === undefined ? undefined : asJob(row);
  }

  async stats(): Promise<QueueStats> {
    const rows = await this.db.all<{ state: JobStatus; n: number }>(
      `SELECT state, COUNT(*) AS n FROM (${VIEW}) GROUP BY state`,
      { now: this.now(), max: this.maxAttempts },
    );
    const stats: Record<JobStatus, number> = { pending: 0, running: 0, completed: 0, dead: 0 };
    for (const row of rows) stats[row.state] = row.n;
    return stats;
  }

  async claim(workerId: string, limit: number = 1): Promise<ClaimedJob[]> {
    text('workerId', workerId);
    whole('limit', limit, 1, LARGEST);
    return this.db.transaction(async (tx) => {
      const now = this.now();
      const due = await this.view(
        tx,
        "WHERE state = 'pending' AND run_at <= :now ORDER BY priority DESC, run_at, id LIMIT :limit",
        {
          limit,
        },
      );
      const claimed: ClaimedJob[] = [];
      for (const row of due) {
        const token = randomUUID();
        const leaseUntil = now + this.leaseMs;
        await tx.run(
          `UPDATE queue_jobs SET state = 'running', attempts = attempts + 1, worker = ?, lease_until = ?, token = ?,
             run_at = ?, last_error = ? WHERE id = ?`,
          workerId,
          leaseUntil,
          token,
          row.run_at,
          row.last_error,
          row.id,
        );
        claimed.push({
          key: row.job_key,
          payload: row.payload,
          priority: row.priority,
          attempt: row.attempts + 1,
          workerId,
          claimedAt: new Date(now),
          leaseExpiresAt: new Date(leaseUntil),
          token,
        });
      }
      return claimed;
    });
  }

  private static readonly LIVE = "job_key = :key AND token = :token AND state = 'running' AND lease_until > :now";

  async complete(claim: ClaimRef): Promise<boolean> {
    const { key, token } = ref(claim);
    const now = this.now();
    const { changes } = await this.db.run(
      `UPDATE queue_jobs SET state = 'completed', finished_at = :now, worker = NULL, lease_until = NULL, token = NULL
       WHERE ${DerivedQueue.LIVE}`,
      { key, token, now },
    );
    return changes === 1;
  }

  async release(claim: ClaimRef): Promise<boolean> {
    const { key, token } = ref(claim);
    const { changes } = await this.db.run(
      `UPDATE queue_jobs SET state = 'pending', attempts = attempts - 1, worker = NULL, lease_until = NULL, token = NULL
       WHERE ${DerivedQueue.LIVE}`,
      { key, token, now: this.now() },
    );
    return changes === 1;
  }

  private delay(attempt: number): number {
    if (this.base === 0) return 0;
    const ceiling = Math.min(this.cap, this.base * Math.pow(2, attempt - 1));
    return this.jitter === 'full' ? Math.floor(this.random() * ceiling) : ceiling;
  }

  async fail(claim: ClaimRef, error: unknown): Promise<boolean> {
    const { key, token } = ref(claim);
    const message = error instanceof Error ? error.message : String(error);
    return this.db.transaction(async (tx) => {
      const now = this.now();
      const row = await tx.get<{ id: number; attempts: number }>(
        `SELECT id, attempts FROM queue_jobs WHERE ${DerivedQueue.LIVE}`,
        {
          key,
          token,
          now,
        },
      );
      if (row === undefined) return false;
      const dead = row.attempts >= this.maxAttempts;
      await tx.run(
        `UPDATE queue_jobs SET state = ?, last_error = ?, finished_at = ?, run_at = CASE WHEN ? THEN run_at ELSE ? END,
           worker = NULL, lease_until = NULL, token = NULL WHERE id = ?`,
        dead ? 'dead' : 'pending',
        message,
        dead ? now : null,
        dead ? 1 : 0,
        now + (dead ? 0 : this.delay(row.attempts)),
        row.id,
      );
      return true;
    });
  }

  async listDeadLetters(): Promise<DeadLetter[]> {
    const rows = await this.view(this.db, "WHERE state = 'dead' ORDER BY finished_at, id", {});
    return rows.map((row) => ({
      key: row.job_key,
      payload: row.payload,
      priority: row.priority,
      attempts: row.attempts,
      lastError: row.last_error ?? '',
      createdAt: new Date(row.created_at),
      deadLetteredAt: new Date(row.finished_at!),
    }));
  }

  async replayDeadLetter(key: string): Promise<Job> {
    text('key', key);
    return this.db.transaction(async (tx) => {
      const [row] = await this.view(tx, 'WHERE job_key = :key', { key });
      if (row === undefined) throw new JobNotFoundError(key);
      if (row.state !== 'dead') throw new JobNotDeadError(key, row.state);
      await tx.run(
        `UPDATE queue_jobs SET state = 'pending', run_at = ?, attempts = 0, last_error = NULL, finished_at = NULL,
           worker = NULL, lease_until = NULL, token = NULL WHERE id = ?`,
        this.now(),
        row.id,
      );
      const [after] = await this.view(tx, 'WHERE id = :id', { id: row.id });
      return asJob(after!);
    });
  }

  startWorker(handler: JobHandler, options?: WorkerOptions): QueueWorker {
    check(typeof handler === 'function', 'type', `handler: expected a function, got ${shown(handler)}`);
    const given = bag('options', options);
    const workerId = given.workerId === undefined ? randomUUID() : text('workerId', given.workerId);
    const concurrency = given.concurrency === undefined ? 20 : whole('concurrency', given.concurrency, 1, 1000);
    const bufferSize = given.bufferSize === undefined ? 50 : whole('bufferSize', given.bufferSize, 0, 10_000);
    const interval =
      given.pollIntervalMs === undefined ? 2000 : whole('pollIntervalMs', given.pollIntervalMs, 1, LARGEST);
    return new ChannelWorker(this, handler, workerId, concurrency, bufferSize, interval);
  }
}

/** A buffered channel: put() never blocks (the poller only claims what fits), take() waits. */
class Channel<T> {
  private readonly items: T[] = [];
  private readonly takers: ((item: T | undefined) => void)[] = [];
  private closed = false;

  put(item: T): void {
    const taker = this.takers.shift();
    if (taker !== undefined) taker(item);
    else this.items.push(item);
  }

  take(): Promise<T | undefined> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.takers.push(resolve));
  }

  /** Closes the channel and hands back what was still in it. */
  close(): T[] {
    this.closed = true;
    for (const taker of this.takers.splice(0)) taker(undefined);
    return this.items.splice(0);
  }
}

class ChannelWorker implements QueueWorker {
  private readonly channel = new Channel<ClaimedJob>();
  /** Claimed and not yet recorded, dropped or released. */
  private held = 0;
  private running = 0;
  private stopping = false;
  private polling: Promise<void> | undefined;
  private done: Promise<void> | undefined;
  private readonly idle: (() => void)[] = [];

  constructor(
    private readonly queue: DerivedQueue,
    private readonly handler: JobHandler,
    readonly workerId: string,
    private readonly concurrency: number,
    private readonly bufferSize: number,
    private readonly interval: number,
  ) {
    for (let slot = 0; slot < concurrency; slot++) void this.slot();
    void this.poller();
  }

  private async poller(): Promise<void> {
    while (!this.stopping) {
      this.polling = this.pollOnce();
      await this.polling;
      if (this.stopping) break;
      await this.queue.sleep(this.interval);
    }
  }

  private async pollOnce(): Promise<void> {
    const room = this.bufferSize + this.concurrency - this.held;
    if (room === 0) return;
    let jobs: ClaimedJob[] = [];
    try {
      jobs = await this.queue.claim(this.workerId, room);
    } catch {
      return;
    }
    if (this.stopping) {
      await Promise.allSettled(jobs.map((job) => this.queue.release(job)));
      return;
    }
    this.held += jobs.length;
    for (const job of jobs) this.channel.put(job);
  }

  private async slot(): Promise<void> {
    for (;;) {
      const job = await this.channel.take();
      if (job === undefined) return;
      if (this.queue.now() >= job.leaseExpiresAt.getTime()) {
        this.held--;
        continue;
      }
      this.running++;
      let outcome: { ok: true } | { ok: false; error: unknown };
      try {
        await this.handler(job);
        outcome = { ok: true };
      } catch (error) {
        outcome = { ok: false, error };
      }
      await (outcome.ok ? this.queue.complete(job) : this.queue.fail(job, outcome.error)).catch(() => false);
      this.running--;
      this.held--;
      if (this.running === 0) this.idle.splice(0).forEach((wake) => wake());
    }
  }

  stop(options?: StopOptions): Promise<void> {
    try {
      const given = bag('options', options);
      const grace = given.graceMs === undefined ? 30_000 : whole('graceMs', given.graceMs, 0, LARGEST);
      this.done ??= this.shutdown(grace);
      return this.done;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private async shutdown(grace: number): Promise<void> {
    this.stopping = true;
    const unstarted = this.channel.close();
    this.held -= unstarted.length;
    await Promise.allSettled([...unstarted.map((job) => this.queue.release(job)), this.polling]);
    if (this.running === 0) return;
    await Promise.race([new Promise<void>((resolve) => this.idle.push(resolve)), this.queue.sleep(grace)]);
  }
}

export function createJobQueue(db: Database, options?: JobQueueOptions): JobQueue {
  const looksLikeDb =
    typeof db === 'object' &&
    db !== null &&
    ['run', 'get', 'all', 'exec', 'transaction'].every(
      (name) => typeof (db as unknown as Record<string, unknown>)[name] === 'function',
    );
  check(looksLikeDb, 'type', `db: expected the kit's database handle, got ${shown(db)}`);
  const given = bag('options', options);
  const now = fn('now', given.now, Date.now);
  const sleep = fn('sleep', given.sleep, (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = fn('random', given.random, Math.random);
  const leaseMs = given.leaseMs === undefined ? 300_000 : whole('leaseMs', given.leaseMs, 1, LARGEST);
  const maxAttempts = given.maxAttempts === undefined ? 5 : whole('maxAttempts', given.maxAttempts, 1, LARGEST);
  const base = given.backoffBaseMs === undefined ? 2_000 : whole('backoffBaseMs', given.backoffBaseMs, 0, LARGEST);
  const cap =
    given.backoffCapMs === undefined
      ? Math.max(base, 3_600_000)
      : whole('backoffCapMs', given.backoffCapMs, base, LARGEST);
  let jitter: 'none' | 'full' = 'none';
  if (given.jitter !== undefined) {
    check(typeof given.jitter === 'string', 'type', `jitter: expected 'none' or 'full', got ${shown(given.jitter)}`);
    check(
      given.jitter === 'none' || given.jitter === 'full',
      'range',
      `jitter: expected 'none' or 'full', got ${shown(given.jitter)}`,
    );
    jitter = given.jitter as 'none' | 'full';
  }
  return new DerivedQueue(db, now, sleep, leaseMs, maxAttempts, base, cap, jitter, random);
}
