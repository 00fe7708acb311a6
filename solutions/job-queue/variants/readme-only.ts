/**
 * Written from README.md and stub.ts alone, without reading the reference, the other variant or
 * the spec. Stored rows are settled only by writes that need them settled (claim and replay sweep
 * ended leases first); reads derive "as of now()" in JavaScript from what is stored, so a read
 * never writes. Claims run in one IMMEDIATE transaction (select the first due jobs, then one
 * UPDATE per job) and each claim's token is a fresh random UUID. The worker is a single async poll
 * loop plus a start-what-fits step run after every poll and every recorded result.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../../../harness/kit/db/index.ts';

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
    super(`there is no job with key ${JSON.stringify(key)}`);
    this.name = 'JobNotFoundError';
  }
}

export class JobNotDeadError extends Error {
  readonly code = 'JOB_NOT_DEAD';

  constructor(
    readonly key: string,
    readonly status: JobStatus,
  ) {
    super(`job ${JSON.stringify(key)} is ${status}, not dead: only dead letters can be replayed`);
    this.name = 'JobNotDeadError';
  }
}

// ---------------------------------------------------------------- validation

const INT32_MAX = 2_147_483_647;

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionsObject(name: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw new TypeError(`${name} must be an object, received ${show(value)}`);
  return value;
}

function integerIn(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, received ${show(value)}`);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, received ${show(value)}`);
  return value;
}

function fn<T>(name: string, value: unknown, fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'function') throw new TypeError(`${name} must be a function, received ${show(value)}`);
  return value as T;
}

function nonEmptyString(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, received ${show(value)}`);
  if (value === '') throw new RangeError(`${name} must not be empty, received ${show(value)}`);
  return value;
}

function claimRef(value: unknown): ClaimRef {
  if (!isPlainObject(value)) throw new TypeError(`claim must be an object with key and token, received ${show(value)}`);
  if (typeof value.key !== 'string') throw new TypeError(`claim key must be a string, received ${show(value.key)}`);
  if (typeof value.token !== 'string')
    throw new TypeError(`claim token must be a string, received ${show(value.token)}`);
  return { key: value.key, token: value.token };
}

// ---------------------------------------------------------------- storage

interface Row {
  seq: number;
  key: string;
  payload: string;
  priority: number;
  status: JobStatus;
  attempts: number;
  created_at: number;
  run_at: number;
  last_error: string | null;
  claimed_by: string | null;
  lease_expires_at: number | null;
  finished_at: number | null;
  token: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jq_jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL UNIQUE,
  payload TEXT NOT NULL,
  priority INTEGER NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  run_at INTEGER NOT NULL,
  last_error TEXT,
  claimed_by TEXT,
  lease_expires_at INTEGER,
  finished_at INTEGER,
  token TEXT
);
CREATE INDEX IF NOT EXISTS jq_jobs_due ON jq_jobs (status, priority DESC, run_at, seq);
`;

const LEASE_EXPIRED = 'lease expired';

interface Config {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  readonly jitter: 'none' | 'full';
  readonly random: () => number;
}

const date = (ms: number): Date => new Date(ms);
const dateOrNull = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/** The stored row as the README says it is at `now`: an ended lease is pending (or dead) from its end. */
function asOf(row: Row, now: number, maxAttempts: number): Row {
  if (row.status !== 'running' || row.lease_expires_at === null || now < row.lease_expires_at) return row;
  const end = row.lease_expires_at;
  const dead = row.attempts >= maxAttempts;
  return {
    ...row,
    status: dead ? 'dead' : 'pending',
    run_at: dead ? row.run_at : end,
    last_error: LEASE_EXPIRED,
    claimed_by: null,
    lease_expires_at: null,
    finished_at: dead ? end : null,
    token: null,
  };
}

function toJob(row: Row): Job {
  return {
    key: row.key,
    payload: row.payload,
    priority: row.priority,
    status: row.status,
    attempts: row.attempts,
    createdAt: date(row.created_at),
    runAt: date(row.run_at),
    lastError: row.last_error,
    claimedBy: row.claimed_by,
    leaseExpiresAt: dateOrNull(row.lease_expires_at),
    finishedAt: dateOrNull(row.finished_at),
  };
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

class Queue implements JobQueue {
  constructor(
    private readonly db: Database,
    readonly config: Config,
  ) {}

  async init(): Promise<void> {
    await this.db.transaction((tx) => tx.exec(SCHEMA), { mode: 'immediate' });
  }

  private view(row: Row | undefined, now: number): Row | undefined {
    return row === undefined ? undefined : asOf(row, now, this.config.maxAttempts);
  }

  async enqueue(key: string, payload: string, options?: EnqueueOptions): Promise<EnqueueResult> {
    nonEmptyString('key', key);
    if (typeof payload !== 'string') throw new TypeError(`payload must be a string, received ${show(payload)}`);
    const opts = optionsObject('options', options);
    if (opts.priority !== undefined && typeof opts.priority !== 'number')
      throw new TypeError(`priority must be a number, received ${show(opts.priority)}`);
    if (opts.priority !== undefined && !Number.isSafeInteger(opts.priority))
      throw new RangeError(`priority must be a safe integer, received ${show(opts.priority)}`);
    const priority = (opts.priority as number | undefined) ?? 0;
    const delayMs = integerIn('delayMs', opts.delayMs, 0, 0, INT32_MAX);
    return this.db.transaction(
      async (tx) => {
        const now = this.config.now();
        const inserted = await tx.run(
          `INSERT INTO jq_jobs (key, payload, priority, status, attempts, created_at, run_at)
           VALUES (?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (key) DO NOTHING`,
          key,
          payload,
          priority,
          now,
          now + delayMs,
        );
        const row = await tx.get<Row>('SELECT * FROM jq_jobs WHERE key = ?', key);
        if (row === undefined) throw new Error(`job ${JSON.stringify(key)} vanished inside its own transaction`);
        return { job: toJob(this.view(row, now)!), created: inserted.changes === 1 };
      },
      { mode: 'immediate' },
    );
  }

  async getJob(key: string): Promise<Job | undefined> {
    nonEmptyString('key', key);
    const row = await this.db.get<Row>('SELECT * FROM jq_jobs WHERE key = ?', key);
    const now = this.config.now();
    const seen = this.view(row, now);
    return seen === undefined ? undefined : toJob(seen);
  }

  async stats(): Promise<QueueStats> {
    const rows = await this.db.all<Pick<Row, 'status' | 'attempts' | 'lease_expires_at' | 'run_at'>>(
      'SELECT status, attempts, lease_expires_at, run_at FROM jq_jobs',
    );
    const now = this.config.now();
    const counts = { pending: 0, running: 0, completed: 0, dead: 0 };
    for (const row of rows) counts[this.view(row as Row, now)!.status] += 1;
    return counts;
  }

  async claim(workerId: string, limit?: number): Promise<ClaimedJob[]> {
    nonEmptyString('workerId', workerId);
    const count = integerIn('limit', limit, 1, 1, INT32_MAX);
    return this.db.transaction(
      async (tx) => {
        const now = this.config.now();
        await this.sweep(tx, now);
        const due = await tx.all<Row>(
          `SELECT * FROM jq_jobs WHERE status = 'pending' AND run_at <= ?
           ORDER BY priority DESC, run_at, seq LIMIT ?`,
          now,
          count,
        );
        const claimed: ClaimedJob[] = [];
        const leaseEnd = now + this.config.leaseMs;
        for (const row of due) {
          const token = randomUUID();
          await tx.run(
            `UPDATE jq_jobs SET status = 'running', attempts = attempts + 1, claimed_by = ?,
             lease_expires_at = ?, token = ? WHERE seq = ?`,
            workerId,
            leaseEnd,
            token,
            row.seq,
          );
          claimed.push({
            key: row.key,
            payload: row.payload,
            priority: row.priority,
            attempt: row.attempts + 1,
            workerId,
            claimedAt: date(now),
            leaseExpiresAt: date(leaseEnd),
            token,
          });
        }
        return claimed;
      },
      { mode: 'immediate' },
    );
  }

  /** Writes back every lease that has ended, so the claim's query sees plain stored state. */
  private async sweep(tx: Pick<Database, 'run'>, now: number): Promise<void> {
    await tx.run(
      `UPDATE jq_jobs SET
         status = CASE WHEN attempts >= :max THEN 'dead' ELSE 'pending' END,
         run_at = CASE WHEN attempts >= :max THEN run_at ELSE lease_expires_at END,
         finished_at = CASE WHEN attempts >= :max THEN lease_expires_at ELSE NULL END,
         last_error = :expired, claimed_by = NULL, lease_expires_at = NULL, token = NULL
       WHERE status = 'running' AND lease_expires_at <= :now`,
      { max: this.config.maxAttempts, expired: LEASE_EXPIRED, now },
    );
  }

  /** Runs `change` on the job if `ref` is its current, live claim; resolves whether it did. */
  private async withLiveClaim(
    ref: ClaimRef,
    change: (row: Row, now: number) => { sql: string; params: (string | number | null)[] },
  ): Promise<boolean> {
    return this.db.transaction(
      async (tx) => {
        const now = this.config.now();
        const row = await tx.get<Row>('SELECT * FROM jq_jobs WHERE key = ?', ref.key);
        if (row === undefined || row.status !== 'running' || row.token !== ref.token) return false;
        if (row.lease_expires_at === null || now >= row.lease_expires_at) return false;
        const { sql, params } = change(row, now);
        const result = await tx.run(sql, ...params, row.seq, ref.token);
        return result.changes === 1;
      },
      { mode: 'immediate' },
    );
  }

  async complete(claim: ClaimRef): Promise<boolean> {
    const ref = claimRef(claim);
    return this.withLiveClaim(ref, (_row, now) => ({
      sql: `UPDATE jq_jobs SET status = 'completed', finished_at = ?, claimed_by = NULL,
            lease_expires_at = NULL, token = NULL WHERE seq = ? AND token = ?`,
      params: [now],
    }));
  }

  async fail(claim: ClaimRef, error: unknown): Promise<boolean> {
    const ref = claimRef(claim);
    const text = errorText(error);
    return this.withLiveClaim(ref, (row, now) => {
      if (row.attempts >= this.config.maxAttempts)
        return {
          sql: `UPDATE jq_jobs SET status = 'dead', finished_at = ?, last_error = ?, claimed_by = NULL,
                lease_expires_at = NULL, token = NULL WHERE seq = ? AND token = ?`,
          params: [now, text],
        };
      return {
        sql: `UPDATE jq_jobs SET status = 'pending', run_at = ?, last_error = ?, claimed_by = NULL,
              lease_expires_at = NULL, token = NULL WHERE seq = ? AND token = ?`,
        params: [now + this.backoff(row.attempts), text],
      };
    });
  }

  private backoff(attempt: number): number {
    const { backoffBaseMs: base, backoffCapMs: cap } = this.config;
    const ceiling = base === 0 ? 0 : Math.min(cap, base * 2 ** (attempt - 1));
    return this.config.jitter === 'full' ? Math.floor(this.config.random() * ceiling) : ceiling;
  }

  async release(claim: ClaimRef): Promise<boolean> {
    const ref = claimRef(claim);
    return this.withLiveClaim(ref, () => ({
      sql: `UPDATE jq_jobs SET status = 'pending', attempts = attempts - 1, claimed_by = NULL,
            lease_expires_at = NULL, token = NULL WHERE seq = ? AND token = ?`,
      params: [],
    }));
  }

  async listDeadLetters(): Promise<DeadLetter[]> {
    const now = this.config.now();
    const rows = await this.db.all<Row>(
      `SELECT * FROM jq_jobs WHERE status = 'dead'
       OR (status = 'running' AND lease_expires_at <= ? AND attempts >= ?)`,
      now,
      this.config.maxAttempts,
    );
    return rows
      .map((row) => asOf(row, now, this.config.maxAttempts))
      .filter((row) => row.status === 'dead')
      .sort((a, b) => a.finished_at! - b.finished_at! || a.seq - b.seq)
      .map((row) => ({
        key: row.key,
        payload: row.payload,
        priority: row.priority,
        attempts: row.attempts,
        lastError: row.last_error ?? '',
        createdAt: date(row.created_at),
        deadLetteredAt: date(row.finished_at!),
      }));
  }

  async replayDeadLetter(key: string): Promise<Job> {
    nonEmptyString('key', key);
    return this.db.transaction(
      async (tx) => {
        const now = this.config.now();
        await this.sweep(tx, now);
        const row = await tx.get<Row>('SELECT * FROM jq_jobs WHERE key = ?', key);
        if (row === undefined) throw new JobNotFoundError(key);
        if (row.status !== 'dead') throw new JobNotDeadError(key, row.status);
        await tx.run(
          `UPDATE jq_jobs SET status = 'pending', run_at = ?, attempts = 0, last_error = NULL,
           finished_at = NULL WHERE seq = ?`,
          now,
          row.seq,
        );
        const after = await tx.get<Row>('SELECT * FROM jq_jobs WHERE seq = ?', row.seq);
        return toJob(after!);
      },
      { mode: 'immediate' },
    );
  }

  startWorker(handler: JobHandler, options?: WorkerOptions): QueueWorker {
    if (typeof handler !== 'function') throw new TypeError(`handler must be a function, received ${show(handler)}`);
    const opts = optionsObject('options', options);
    const workerId = opts.workerId === undefined ? `worker-${randomUUID()}` : nonEmptyString('workerId', opts.workerId);
    const concurrency = integerIn('concurrency', opts.concurrency, 20, 1, 1000);
    const bufferSize = integerIn('bufferSize', opts.bufferSize, 50, 0, 10_000);
    const pollIntervalMs = integerIn('pollIntervalMs', opts.pollIntervalMs, 2000, 1, INT32_MAX);
    return new Worker(this, handler, workerId, concurrency, bufferSize, pollIntervalMs);
  }
}

class Worker implements QueueWorker {
  private stopping: Promise<void> | undefined;
  private readonly buffer: ClaimedJob[] = [];
  private running = 0;
  private polling: Promise<void> = Promise.resolve();
  private idle: (() => void)[] = [];

  constructor(
    private readonly queue: Queue,
    private readonly handler: JobHandler,
    readonly workerId: string,
    private readonly concurrency: number,
    private readonly bufferSize: number,
    private readonly pollIntervalMs: number,
  ) {
    void this.loop();
  }

  private async loop(): Promise<void> {
    while (this.stopping === undefined) {
      this.polling = this.poll();
      await this.polling;
      if (this.stopping !== undefined) return;
      await this.queue.config.sleep(this.pollIntervalMs);
    }
  }

  private async poll(): Promise<void> {
    const room = this.bufferSize + this.concurrency - this.buffer.length - this.running;
    if (room <= 0) return;
    let claimed: ClaimedJob[];
    try {
      claimed = await this.queue.claim(this.workerId, room);
    } catch {
      return;
    }
    if (this.stopping !== undefined) {
      await Promise.all(claimed.map((job) => this.queue.release(job).catch(() => false)));
      return;
    }
    this.buffer.push(...claimed);
    this.fill();
  }

  private fill(): void {
    while (this.stopping === undefined && this.running < this.concurrency && this.buffer.length > 0) {
      const job = this.buffer.shift()!;
      if (this.queue.config.now() >= job.leaseExpiresAt.getTime()) continue;
      this.start(job);
    }
  }

  private start(job: ClaimedJob): void {
    this.running += 1;
    void (async () => {
      let failed = false;
      let error: unknown;
      try {
        await this.handler(job);
      } catch (thrown) {
        failed = true;
        error = thrown;
      }
      try {
        if (failed) await this.queue.fail(job, error);
        else await this.queue.complete(job);
      } catch {
        // not recorded: the job stays claimed until its lease ends
      }
      this.running -= 1;
      this.fill();
      if (this.running === 0) for (const wake of this.idle.splice(0)) wake();
    })();
  }

  stop(options?: StopOptions): Promise<void> {
    let graceMs: number;
    try {
      const opts = optionsObject('options', options);
      graceMs = integerIn('graceMs', opts.graceMs, 30_000, 0, INT32_MAX);
    } catch (error) {
      return Promise.reject(error);
    }
    this.stopping ??= this.shutdown(graceMs);
    return this.stopping;
  }

  private async shutdown(graceMs: number): Promise<void> {
    const buffered = this.buffer.splice(0);
    const released = Promise.all(buffered.map((job) => this.queue.release(job).catch(() => false)));
    const handlers =
      this.running === 0
        ? Promise.resolve()
        : Promise.race([new Promise<void>((wake) => this.idle.push(wake)), this.queue.config.sleep(graceMs)]);
    await released;
    await this.polling;
    await handlers;
  }
}

// ---------------------------------------------------------------- factory

function isDatabase(value: unknown): value is Database {
  if (typeof value !== 'object' || value === null) return false;
  const db = value as Record<string, unknown>;
  return ['run', 'get', 'all', 'exec', 'transaction'].every((name) => typeof db[name] === 'function');
}

export function createJobQueue(db: Database, options?: JobQueueOptions): JobQueue {
  if (!isDatabase(db)) throw new TypeError(`db must be the kit's database handle, received ${show(db)}`);
  const opts = optionsObject('options', options);
  const now = fn('now', opts.now, Date.now);
  const sleep = fn(
    'sleep',
    opts.sleep,
    (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) as Promise<void>,
  );
  const leaseMs = integerIn('leaseMs', opts.leaseMs, 300_000, 1, INT32_MAX);
  const maxAttempts = integerIn('maxAttempts', opts.maxAttempts, 5, 1, INT32_MAX);
  const backoffBaseMs = integerIn('backoffBaseMs', opts.backoffBaseMs, 2000, 0, INT32_MAX);
  const backoffCapMs = integerIn(
    'backoffCapMs',
    opts.backoffCapMs,
    Math.max(3_600_000, backoffBaseMs),
    backoffBaseMs,
    INT32_MAX,
  );
  if (opts.jitter !== undefined && typeof opts.jitter !== 'string')
    throw new TypeError(`jitter must be a string, received ${show(opts.jitter)}`);
  const jitter = (opts.jitter ?? 'none') as string;
  if (jitter !== 'none' && jitter !== 'full')
    throw new RangeError(`jitter must be 'none' or 'full', received ${show(jitter)}`);
  const random = fn('random', opts.random, Math.random);
  return new Queue(db, { now, sleep, leaseMs, maxAttempts, backoffBaseMs, backoffCapMs, jitter, random });
}
