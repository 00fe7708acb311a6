/**
 * Reference solution: a durable job queue on SQLite.
 *
 * - One `jobs` row per key (INSERT ... ON CONFLICT DO NOTHING makes enqueue idempotent) and one
 *   `dead_letters` row per dead job, moved in the same transaction as the status change.
 * - Every operation that writes runs in one IMMEDIATE transaction (the write lock first, so a
 *   claim's pick and mark cannot interleave with another instance's) and starts by settling the
 *   leases that have ended: those jobs become pending again, or dead on their last attempt. Reads
 *   do the same, so every instance agrees on what "now" means for a lease.
 * - The fencing token is a per-job counter bumped by every claim and never lowered, so a token is
 *   never issued twice for one job; complete, fail and release put `fence = ? AND
 *   lease_expires_at > now` in their WHERE clause and answer with `changes`.
 * - The worker is event-driven: a poll loop that sleeps between polls, an array for the buffer and
 *   a counter of running handlers; a handler's end records its result and starts the next job.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Transaction } from '../../harness/kit/db/index.ts';

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

export const LEASE_EXPIRED = 'lease expired';
const MAX_MS = 2_147_483_647;

// ---------------------------------------------------------------------------------------------
// Validation: a TypeError for the wrong type, a RangeError for a value out of range, both naming
// the parameter and showing what was received.
// ---------------------------------------------------------------------------------------------

export function received(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`;
  if (typeof value === 'function') return 'a function';
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

export function integerIn(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, received ${received(value)}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, received ${received(value)}`);
  }
  return value;
}

export function optionalInteger(name: string, value: unknown, fallback: number, min: number, max: number): number {
  return value === undefined ? fallback : integerIn(name, value, min, max);
}

function optionalFunction<T>(name: string, value: unknown, fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'function') throw new TypeError(`${name} must be a function, received ${received(value)}`);
  return value as T;
}

export function nonEmptyString(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, received ${received(value)}`);
  if (value === '') throw new RangeError(`${name} must not be empty, received ""`);
  return value;
}

export function optionsObject<T extends object>(name: string, value: unknown): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`${name} must be an object, received ${received(value)}`);
  }
  return value as Partial<T>;
}

export function claimRef(value: unknown): ClaimRef {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`claim must be an object with a key and a token, received ${received(value)}`);
  }
  const { key, token } = value as { key?: unknown; token?: unknown };
  if (typeof key !== 'string') throw new TypeError(`claim.key must be a string, received ${received(key)}`);
  if (typeof token !== 'string') throw new TypeError(`claim.token must be a string, received ${received(token)}`);
  return { key, token };
}

function isDatabase(db: unknown): db is Database {
  if (typeof db !== 'object' || db === null) return false;
  const handle = db as Record<string, unknown>;
  return ['run', 'get', 'all', 'exec', 'transaction'].every((method) => typeof handle[method] === 'function');
}

export interface Config {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  readonly jitter: 'none' | 'full';
  readonly random: () => number;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function readConfig(options: unknown): Config {
  const given = optionsObject<JobQueueOptions>('options', options);
  const now = optionalFunction('now', given.now, Date.now);
  const sleep = optionalFunction('sleep', given.sleep, realSleep);
  const random = optionalFunction('random', given.random, Math.random);
  const leaseMs = optionalInteger('leaseMs', given.leaseMs, 300_000, 1, MAX_MS);
  const maxAttempts = optionalInteger('maxAttempts', given.maxAttempts, 5, 1, MAX_MS);
  const backoffBaseMs = optionalInteger('backoffBaseMs', given.backoffBaseMs, 2_000, 0, MAX_MS);
  const backoffCapMs = optionalInteger(
    'backoffCapMs',
    given.backoffCapMs,
    Math.max(3_600_000, backoffBaseMs),
    backoffBaseMs,
    MAX_MS,
  );
  let jitter: 'none' | 'full' = 'none';
  if (given.jitter !== undefined) {
    if (typeof given.jitter !== 'string') {
      throw new TypeError(`jitter must be 'none' or 'full', received ${received(given.jitter)}`);
    }
    if (given.jitter !== 'none' && given.jitter !== 'full') {
      throw new RangeError(`jitter must be 'none' or 'full', received ${received(given.jitter)}`);
    }
    jitter = given.jitter;
  }
  return { now, sleep, leaseMs, maxAttempts, backoffBaseMs, backoffCapMs, jitter, random };
}

// ---------------------------------------------------------------------------------------------
// Storage.
// ---------------------------------------------------------------------------------------------

export const SCHEMA = `
  CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    priority INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'dead')),
    attempts INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    run_at INTEGER NOT NULL,
    last_error TEXT,
    claimed_by TEXT,
    lease_expires_at INTEGER,
    finished_at INTEGER,
    fence INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX IF NOT EXISTS jobs_due ON jobs (status, priority DESC, run_at, seq);
  CREATE INDEX IF NOT EXISTS jobs_leases ON jobs (status, lease_expires_at);
  CREATE TABLE IF NOT EXISTS dead_letters (
    seq INTEGER PRIMARY KEY REFERENCES jobs (seq),
    last_error TEXT NOT NULL,
    dead_lettered_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS dead_letters_order ON dead_letters (dead_lettered_at, seq);
`;

export interface JobRow {
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
  fence: number;
}

interface DeadLetterRow extends JobRow {
  dead_letter_error: string;
  dead_lettered_at: number;
}

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

export function toJob(row: JobRow): Job {
  return {
    key: row.key,
    payload: row.payload,
    priority: row.priority,
    status: row.status,
    attempts: row.attempts,
    createdAt: new Date(row.created_at),
    runAt: new Date(row.run_at),
    lastError: row.last_error,
    claimedBy: row.claimed_by,
    leaseExpiresAt: date(row.lease_expires_at),
    finishedAt: date(row.finished_at),
  };
}

/** Claim order: priority descending, then due time, then enqueue order. */
export function claimOrder(a: JobRow, b: JobRow): number {
  return b.priority - a.priority || a.run_at - b.run_at || a.seq - b.seq;
}

/** Marks the first `limit` due jobs as running, in one statement: params workerId, lease end, now, limit. */
export const CLAIM_SQL = `UPDATE jobs SET status = 'running', attempts = attempts + 1, claimed_by = ?,
    lease_expires_at = ?, fence = fence + 1
  WHERE seq IN (
    SELECT seq FROM jobs WHERE status = 'pending' AND run_at <= ?
    ORDER BY priority DESC, run_at, seq LIMIT ?)
  RETURNING *`;

export class SqliteJobQueue implements JobQueue {
  constructor(
    protected readonly db: Database,
    readonly config: Config,
  ) {}

  /** Runs `body` holding the write lock, after settling the leases that have ended by `now`. */
  protected write<T>(body: (tx: Transaction, now: number) => Promise<T>): Promise<T> {
    return this.db.transaction(
      async (tx) => {
        const now = this.config.now();
        await this.expireLeases(tx, now);
        return body(tx, now);
      },
      { mode: 'immediate' },
    );
  }

  /** A running job whose lease has ended is pending again from the lease's end, or dead on its last attempt. */
  protected async expireLeases(tx: Transaction, now: number): Promise<void> {
    const params = { now, max: this.config.maxAttempts, expired: LEASE_EXPIRED };
    await tx.run(
      `INSERT INTO dead_letters (seq, last_error, dead_lettered_at)
         SELECT seq, :expired, lease_expires_at FROM jobs
         WHERE status = 'running' AND lease_expires_at <= :now AND attempts >= :max`,
      params,
    );
    await tx.run(
      `UPDATE jobs SET
         status = CASE WHEN attempts >= :max THEN 'dead' ELSE 'pending' END,
         run_at = CASE WHEN attempts >= :max THEN run_at ELSE lease_expires_at END,
         finished_at = CASE WHEN attempts >= :max THEN lease_expires_at ELSE NULL END,
         last_error = :expired, claimed_by = NULL, lease_expires_at = NULL
       WHERE status = 'running' AND lease_expires_at <= :now`,
      params,
    );
  }

  /** The delay after the n-th attempt failed. */
  protected backoffMs(attempt: number): number {
    const { backoffBaseMs, backoffCapMs, jitter, random } = this.config;
    const ceiling = backoffBaseMs === 0 ? 0 : Math.min(backoffCapMs, backoffBaseMs * 2 ** (attempt - 1));
    return jitter === 'full' ? Math.floor(random() * ceiling) : ceiling;
  }

  protected errorText(thrown: unknown): string {
    return thrown instanceof Error ? thrown.message : String(thrown);
  }

  /** The tables and indexes init() creates. */
  protected schema(): string {
    return SCHEMA;
  }

  /** The statement a claim runs, and the order its rows are handed out in. */
  protected readonly claimSql: string = CLAIM_SQL;
  protected order(a: JobRow, b: JobRow): number {
    return claimOrder(a, b);
  }

  async init(): Promise<void> {
    await this.db.exec(this.schema());
  }

  /** Checks enqueue's arguments; resolves the options' values. */
  protected enqueueArguments(key: unknown, payload: unknown, options: unknown): { priority: number; delayMs: number } {
    nonEmptyString('key', key);
    if (typeof payload !== 'string') throw new TypeError(`payload must be a string, received ${received(payload)}`);
    const given = optionsObject<EnqueueOptions>('options', options);
    const priority = given.priority === undefined ? 0 : given.priority;
    if (typeof priority !== 'number') throw new TypeError(`priority must be a number, received ${received(priority)}`);
    if (!Number.isSafeInteger(priority)) {
      throw new RangeError(`priority must be a safe integer, received ${received(priority)}`);
    }
    return { priority, delayMs: optionalInteger('delayMs', given.delayMs, 0, 0, MAX_MS) };
  }

  async enqueue(key: string, payload: string, options?: EnqueueOptions): Promise<EnqueueResult> {
    const { priority, delayMs } = this.enqueueArguments(key, payload, options);
    return this.write(async (tx, now) => {
      const inserted = await tx.run(
        `INSERT INTO jobs (key, payload, priority, status, attempts, created_at, run_at)
         VALUES (?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (key) DO NOTHING`,
        key,
        payload,
        priority,
        now,
        now + delayMs,
      );
      const row = await tx.get<JobRow>('SELECT * FROM jobs WHERE key = ?', key);
      return { job: toJob(row!), created: inserted.changes === 1 };
    });
  }

  async getJob(key: string): Promise<Job | undefined> {
    nonEmptyString('key', key);
    return this.write(async (tx) => {
      const row = await tx.get<JobRow>('SELECT * FROM jobs WHERE key = ?', key);
      return row === undefined ? undefined : toJob(row);
    });
  }

  async stats(): Promise<QueueStats> {
    return this.write(async (tx) => {
      const rows = await tx.all<{ status: JobStatus; count: number }>(
        'SELECT status, COUNT(*) AS count FROM jobs GROUP BY status',
      );
      const counts = { pending: 0, running: 0, completed: 0, dead: 0 };
      for (const row of rows) counts[row.status] = row.count;
      return counts;
    });
  }

  async claim(workerId: string, limit: number = 1): Promise<ClaimedJob[]> {
    nonEmptyString('workerId', workerId);
    integerIn('limit', limit, 1, MAX_MS);
    return this.write(async (tx, now) => {
      const leaseExpiresAt = now + this.config.leaseMs;
      const rows = await tx.all<JobRow>(this.claimSql, workerId, leaseExpiresAt, now, limit);
      return rows
        .sort((a, b) => this.order(a, b))
        .map((row) => ({
          key: row.key,
          payload: row.payload,
          priority: row.priority,
          attempt: row.attempts,
          workerId,
          claimedAt: new Date(now),
          leaseExpiresAt: new Date(leaseExpiresAt),
          token: String(row.fence),
        }));
    });
  }

  /** The row a live claim holds, or undefined: the fencing check. */
  protected async held(tx: Transaction, ref: ClaimRef, now: number): Promise<JobRow | undefined> {
    if (!/^[1-9][0-9]*$/.test(ref.token)) return undefined; // not a token this queue issued
    return tx.get<JobRow>(
      `SELECT * FROM jobs WHERE key = ? AND status = 'running' AND fence = ? AND lease_expires_at > ?`,
      ref.key,
      Number(ref.token),
      now,
    );
  }

  async complete(claim: ClaimRef): Promise<boolean> {
    const ref = claimRef(claim);
    return this.write(async (tx, now) => {
      const row = await this.held(tx, ref, now);
      if (row === undefined) return false;
      await tx.run(
        `UPDATE jobs SET status = 'completed', finished_at = ?, claimed_by = NULL, lease_expires_at = NULL
         WHERE seq = ?`,
        now,
        row.seq,
      );
      return true;
    });
  }

  async fail(claim: ClaimRef, error: unknown): Promise<boolean> {
    const ref = claimRef(claim);
    const text = this.errorText(error);
    return this.write(async (tx, now) => {
      const row = await this.held(tx, ref, now);
      if (row === undefined) return false;
      if (row.attempts >= this.config.maxAttempts) {
        await tx.run(
          `UPDATE jobs SET status = 'dead', finished_at = ?, last_error = ?, claimed_by = NULL,
             lease_expires_at = NULL WHERE seq = ?`,
          now,
          text,
          row.seq,
        );
        await tx.run(
          'INSERT INTO dead_letters (seq, last_error, dead_lettered_at) VALUES (?, ?, ?)',
          row.seq,
          text,
          now,
        );
      } else {
        await tx.run(
          `UPDATE jobs SET status = 'pending', run_at = ?, last_error = ?, claimed_by = NULL,
             lease_expires_at = NULL WHERE seq = ?`,
          now + this.backoffMs(row.attempts),
          text,
          row.seq,
        );
      }
      return true;
    });
  }

  async release(claim: ClaimRef): Promise<boolean> {
    const ref = claimRef(claim);
    return this.write(async (tx, now) => {
      const row = await this.held(tx, ref, now);
      if (row === undefined) return false;
      await tx.run(
        `UPDATE jobs SET status = 'pending', attempts = attempts - 1, claimed_by = NULL,
           lease_expires_at = NULL WHERE seq = ?`,
        row.seq,
      );
      return true;
    });
  }

  async listDeadLetters(): Promise<DeadLetter[]> {
    return this.write(async (tx) => {
      const rows = await tx.all<DeadLetterRow>(
        `SELECT jobs.*, dead_letters.last_error AS dead_letter_error, dead_letters.dead_lettered_at
         FROM dead_letters JOIN jobs ON jobs.seq = dead_letters.seq
         ORDER BY dead_letters.dead_lettered_at, dead_letters.seq`,
      );
      return rows.map((row) => ({
        key: row.key,
        payload: row.payload,
        priority: row.priority,
        attempts: row.attempts,
        lastError: row.dead_letter_error,
        createdAt: new Date(row.created_at),
        deadLetteredAt: new Date(row.dead_lettered_at),
      }));
    });
  }

  async replayDeadLetter(key: string): Promise<Job> {
    nonEmptyString('key', key);
    return this.write(async (tx, now) => {
      const row = await tx.get<JobRow>('SELECT * FROM jobs WHERE key = ?', key);
      if (row === undefined) throw new JobNotFoundError(key);
      if (row.status !== 'dead') throw new JobNotDeadError(key, row.status);
      await tx.run('DELETE FROM dead_letters WHERE seq = ?', row.seq);
      await tx.run(
        `UPDATE jobs SET status = 'pending', run_at = ?, attempts = 0, last_error = NULL, finished_at = NULL
         WHERE seq = ?`,
        now,
        row.seq,
      );
      return toJob((await tx.get<JobRow>('SELECT * FROM jobs WHERE seq = ?', row.seq))!);
    });
  }

  startWorker(handler: JobHandler, options?: WorkerOptions): QueueWorker {
    if (typeof handler !== 'function') {
      throw new TypeError(`handler must be a function, received ${received(handler)}`);
    }
    const given = optionsObject<WorkerOptions>('options', options);
    const workerId =
      given.workerId === undefined ? `worker-${randomUUID()}` : nonEmptyString('workerId', given.workerId);
    const settings: WorkerSettings = {
      workerId,
      concurrency: optionalInteger('concurrency', given.concurrency, 20, 1, 1000),
      bufferSize: optionalInteger('bufferSize', given.bufferSize, 50, 0, 10_000),
      pollIntervalMs: optionalInteger('pollIntervalMs', given.pollIntervalMs, 2_000, 1, MAX_MS),
    };
    return this.createWorker(handler, settings);
  }

  protected createWorker(handler: JobHandler, settings: WorkerSettings): QueueWorker {
    return new PollingWorker(this, handler, settings);
  }
}

// ---------------------------------------------------------------------------------------------
// The worker.
// ---------------------------------------------------------------------------------------------

export interface WorkerSettings {
  readonly workerId: string;
  readonly concurrency: number;
  readonly bufferSize: number;
  readonly pollIntervalMs: number;
}

export class PollingWorker implements QueueWorker {
  readonly workerId: string;
  protected readonly buffer: ClaimedJob[] = [];
  /** Handlers started whose result is not recorded yet. */
  protected running = 0;
  protected stopping = false;
  protected pollInFlight: Promise<number> | undefined;
  private stopped: Promise<void> | undefined;
  protected idleWaiters: (() => void)[] = [];

  constructor(
    protected readonly queue: SqliteJobQueue,
    protected readonly handler: JobHandler,
    protected readonly settings: WorkerSettings,
  ) {
    this.workerId = settings.workerId;
    void this.loop();
  }

  /** Jobs this worker holds: buffered, or running until their result is recorded. */
  protected get held(): number {
    return this.buffer.length + this.running;
  }

  protected async loop(): Promise<void> {
    while (!this.stopping) {
      this.pollInFlight = this.poll();
      await this.pollInFlight;
      this.pollInFlight = undefined;
      if (this.stopping) return;
      await this.queue.config.sleep(this.settings.pollIntervalMs);
    }
  }

  /** How many jobs the next poll may claim. */
  protected room(): number {
    return this.settings.bufferSize + this.settings.concurrency - this.held;
  }

  /** One poll; resolves how many jobs it claimed. */
  protected async poll(): Promise<number> {
    const room = this.room();
    if (room <= 0) return 0;
    let claimed: ClaimedJob[];
    try {
      claimed = await this.queue.claim(this.workerId, room);
    } catch {
      return 0; // the database failed: try again at the next poll
    }
    if (this.stopping) {
      await this.releaseAll(claimed);
      return claimed.length;
    }
    this.buffer.push(...claimed);
    this.fill();
    return claimed.length;
  }

  /** Starts buffered jobs while a handler is free; one whose lease has ended is dropped. */
  protected fill(): void {
    while (!this.stopping && this.running < this.settings.concurrency && this.buffer.length > 0) {
      const next = this.buffer.shift()!;
      if (this.queue.config.now() >= next.leaseExpiresAt.getTime()) continue;
      this.running++;
      void this.run(next);
    }
  }

  protected async run(job: ClaimedJob): Promise<void> {
    let failure: { error: unknown } | undefined;
    try {
      await this.handler(job);
    } catch (error) {
      failure = { error };
    }
    await this.record(job, failure);
    this.running--;
    if (this.running === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    this.fill();
  }

  /** Completes or fails the job through its claim; a database failure leaves it to its lease. */
  protected async record(job: ClaimedJob, failure: { error: unknown } | undefined): Promise<void> {
    try {
      if (failure === undefined) await this.queue.complete(job);
      else await this.queue.fail(job, failure.error);
    } catch {
      // Not recorded: the job stays claimed until its lease ends, then anyone may take it.
    }
  }

  protected async releaseAll(claims: readonly ClaimedJob[]): Promise<void> {
    await Promise.all(claims.map((job) => this.queue.release(job).catch(() => false)));
  }

  stop(options?: StopOptions): Promise<void> {
    let graceMs: number;
    try {
      const given = optionsObject<StopOptions>('options', options);
      graceMs = optionalInteger('graceMs', given.graceMs, 30_000, 0, MAX_MS);
    } catch (error) {
      return Promise.reject(error);
    }
    this.stopped ??= this.shutDown(graceMs);
    return this.stopped;
  }

  protected async shutDown(graceMs: number): Promise<void> {
    this.stopping = true;
    await Promise.all([this.releaseAll(this.buffer.splice(0)), this.pollInFlight]);
    if (this.running === 0) return;
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await Promise.race([idle, this.queue.config.sleep(graceMs)]);
  }
}

export function createJobQueue(db: Database, options?: JobQueueOptions): JobQueue {
  if (!isDatabase(db)) throw new TypeError(`db must be the kit's database handle, received ${received(db)}`);
  return new SqliteJobQueue(db, readConfig(options));
}
