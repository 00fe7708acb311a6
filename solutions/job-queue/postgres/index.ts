/**
 * Reference solution on PostgreSQL: the durable job queue in PostgreSQL's own idiom, at READ
 * COMMITTED (the default), with row locks instead of a database-wide write lock.
 *
 * - Claims are `SELECT ... ORDER BY priority DESC, run_at, seq LIMIT n FOR UPDATE SKIP LOCKED`
 *   feeding an UPDATE in the same statement: competing claims on any instances lock disjoint
 *   rows, none waits for another, and none takes a job another claim is taking.
 * - Enqueue is `INSERT ... ON CONFLICT (key) DO NOTHING RETURNING *`: the unique index makes the
 *   concurrent inserts of one key wait for each other, and exactly one gets its row back.
 * - Nothing writes an ended lease back: every statement reads a job as of its own now (pending
 *   again from the lease's end, or dead on the last attempt) through the AS_OF_NOW expressions,
 *   so two instances can never both settle, or both dead-letter, one job.
 * - complete, fail, release and replay are one conditional UPDATE each (`fence = $ AND
 *   lease_expires_at > now`, or dead as of now); fail computes the backoff in SQL.
 *
 * Why this is correct at READ COMMITTED: every statement sees what was committed when it began, so
 * a decision taken on a plain read may be stale by the time it is written. Here no decision is:
 * either it is the WHERE clause of the UPDATE itself, which PostgreSQL re-checks on the row's
 * newest version after waiting for a concurrent writer's lock, or it is made on rows this
 * statement has locked, which nobody can change until it commits. SKIP LOCKED only ever skips rows
 * another claim is taking right now, so a claim of several jobs takes each at the instant it locks
 * its row, which is what claim-exclusive allows (two overlapping claims may pass over each other's
 * rows). Every call but init is one autocommitted statement: a claim never waits for a lock, and
 * the others wait for one row's at most, so no deadlock can form and nothing needs retrying.
 *
 * Strings (keys, payloads, errors, worker ids) are stored as UTF-8 bytea: text cannot hold NUL.
 * The worker is the same event-driven poll loop as on SQLite: the engine changes only storage.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Transaction } from '../../../harness/kit/db/index.ts';
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
export const MAX_MS = 2_147_483_647;

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

export function optionalFunction<T>(name: string, value: unknown, fallback: T): T {
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

export function isDatabase(db: unknown): db is Database {
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

export function readConfig(options: unknown): Config {
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
// Storage: one row per job, dead letters being a status. Strings are kept as UTF-8 bytea:
// PostgreSQL's text cannot hold NUL, and bytes compare code unit by code unit for well-formed
// strings, with no collation in the way.
// ---------------------------------------------------------------------------------------------

export const SCHEMA = `
  CREATE TABLE IF NOT EXISTS jobs (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key bytea NOT NULL UNIQUE,
    payload bytea NOT NULL,
    priority bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'dead')),
    attempts bigint NOT NULL,
    created_at bigint NOT NULL,
    run_at bigint NOT NULL,
    last_error bytea,
    claimed_by bytea,
    lease_expires_at bigint,
    finished_at bigint,
    fence bigint NOT NULL DEFAULT 0
  );
  CREATE INDEX IF NOT EXISTS jobs_due ON jobs (priority DESC, run_at, seq) WHERE status = 'pending';
  CREATE INDEX IF NOT EXISTS jobs_leases ON jobs (lease_expires_at) WHERE status = 'running';
  CREATE INDEX IF NOT EXISTS jobs_dead ON jobs (finished_at, seq) WHERE status = 'dead';
`;

/** CREATE TABLE IF NOT EXISTS is not safe against itself: two instances' init() can both create. */
const INIT_LOCK = 7_210_021; // any constant the application reserves for its schema

interface JobRow {
  seq: number;
  key: Uint8Array;
  payload: Uint8Array;
  priority: number;
  status: JobStatus;
  attempts: number;
  created_at: number;
  run_at: number;
  last_error: Uint8Array | null;
  claimed_by: Uint8Array | null;
  lease_expires_at: number | null;
  finished_at: number | null;
  fence: number;
}

const bytes = (value: string): Uint8Array => Buffer.from(value, 'utf8');
const text = (value: Uint8Array): string =>
  Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
const textOrNull = (value: Uint8Array | null): string | null => (value === null ? null : text(value));
const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

function toJob(row: JobRow): Job {
  return {
    key: text(row.key),
    payload: text(row.payload),
    priority: row.priority,
    status: row.status,
    attempts: row.attempts,
    createdAt: new Date(row.created_at),
    runAt: new Date(row.run_at),
    lastError: textOrNull(row.last_error),
    claimedBy: textOrNull(row.claimed_by),
    leaseExpiresAt: date(row.lease_expires_at),
    finishedAt: date(row.finished_at),
  };
}

/** Claim order: priority descending, then due time, then enqueue order. */
function claimOrder(a: JobRow, b: JobRow): number {
  return b.priority - a.priority || a.run_at - b.run_at || a.seq - b.seq;
}

/**
 * A running job whose lease has ended ($1 is now, $2 maxAttempts) is pending again from the
 * lease's end, or dead from then on its last attempt. Nothing writes that back: every statement
 * sees the job as of its own now through these expressions.
 */
const ENDED = `(status = 'running' AND lease_expires_at <= $1)`;
const AS_OF_NOW = `seq, key, payload, priority, attempts, created_at, fence,
    CASE WHEN ${ENDED} THEN CASE WHEN attempts >= $2 THEN 'dead' ELSE 'pending' END ELSE status END AS status,
    CASE WHEN ${ENDED} AND attempts < $2 THEN lease_expires_at ELSE run_at END AS run_at,
    CASE WHEN ${ENDED} THEN '${LEASE_EXPIRED}'::bytea ELSE last_error END AS last_error,
    CASE WHEN ${ENDED} THEN NULL ELSE claimed_by END AS claimed_by,
    CASE WHEN ${ENDED} THEN NULL ELSE lease_expires_at END AS lease_expires_at,
    CASE WHEN ${ENDED} AND attempts >= $2 THEN lease_expires_at ELSE finished_at END AS finished_at`;
/** Dead as of now: dead-lettered by fail(), or its last lease has ended. */
const DEAD = `(status = 'dead' OR (${ENDED} AND attempts >= $2))`;

/**
 * The claim, one statement: lock the first $4 due jobs (pending and due, or whose lease ended
 * before their last attempt) that no concurrent claim is locking, and mark them running.
 * $1 now, $2 maxAttempts, $3 worker id, $4 limit, $5 lease end.
 */
const CLAIM_SQL = `WITH picked AS (
    SELECT seq FROM jobs
    WHERE (status = 'pending' AND run_at <= $1) OR (${ENDED} AND attempts < $2)
    ORDER BY priority DESC, CASE WHEN status = 'running' THEN lease_expires_at ELSE run_at END, seq
    LIMIT $4
    FOR UPDATE SKIP LOCKED)
  UPDATE jobs SET status = 'running', attempts = jobs.attempts + 1, claimed_by = $3, lease_expires_at = $5,
    fence = jobs.fence + 1,
    run_at = CASE WHEN jobs.status = 'running' THEN jobs.lease_expires_at ELSE jobs.run_at END,
    last_error = CASE WHEN jobs.status = 'running' THEN '${LEASE_EXPIRED}'::bytea ELSE jobs.last_error END
  FROM picked WHERE jobs.seq = picked.seq
  RETURNING jobs.*`;

/** The job's current claim, still live: $1 now, $2 key, $3 fence. */
const LIVE_CLAIM = `key = $2 AND status = 'running' AND fence = $3 AND lease_expires_at > $1`;

/**
 * fail(): retry at now + backoff(attempts), or dead letter on the last attempt, decided in the
 * UPDATE itself. $1 now, $2 key, $3 fence, $4 error text, $5 maxAttempts, $6 backoffBaseMs,
 * $7 backoffCapMs, $8 the jitter factor (1 for none, random() for full). The ceiling is computed
 * in float8 as JavaScript computes it (2^(n-1) capped at 2^100: any base times that exceeds any cap).
 */
const FAIL_SQL = `UPDATE jobs SET
    status = CASE WHEN attempts >= $5 THEN 'dead' ELSE 'pending' END,
    finished_at = CASE WHEN attempts >= $5 THEN $1 ELSE NULL END,
    run_at = CASE WHEN attempts >= $5 THEN run_at ELSE $1 + floor($8::float8 *
      CASE WHEN $6::bigint = 0 THEN 0::float8
        ELSE LEAST($7::float8, $6::float8 * power(2::float8, LEAST(attempts - 1, 100)::float8)) END)::bigint END,
    last_error = $4, claimed_by = NULL, lease_expires_at = NULL
  WHERE ${LIVE_CLAIM}`;

export class PostgresJobQueue implements JobQueue {
  constructor(
    private readonly db: Database,
    readonly config: Config,
  ) {}

  private errorText(thrown: unknown): string {
    return thrown instanceof Error ? thrown.message : String(thrown);
  }

  async init(): Promise<void> {
    // Serialised by an advisory lock held until the transaction ends: concurrent CREATE TABLE IF
    // NOT EXISTS from two instances would otherwise race on the catalog (23505 on pg_type).
    await this.db.transaction(async (tx) => {
      await tx.run('SELECT pg_advisory_xact_lock($1)', INIT_LOCK);
      await tx.exec(SCHEMA);
    });
  }

  /** Checks enqueue's arguments; resolves the options' values. */
  private enqueueArguments(key: unknown, payload: unknown, options: unknown): { priority: number; delayMs: number } {
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

  /** The job as of now, or undefined. */
  private async read(key: string, now: number): Promise<JobRow | undefined> {
    return this.db.get<JobRow>(
      `SELECT ${AS_OF_NOW} FROM jobs WHERE key = $3`,
      now,
      this.config.maxAttempts,
      bytes(key),
    );
  }

  async enqueue(key: string, payload: string, options?: EnqueueOptions): Promise<EnqueueResult> {
    const { priority, delayMs } = this.enqueueArguments(key, payload, options);
    const now = this.config.now();
    // ON CONFLICT waits for a concurrent insert of the same key and does nothing if it commits:
    // exactly one caller gets the row back from RETURNING. Autocommit: durable once it answers.
    const inserted = await this.db.get<JobRow>(
      `INSERT INTO jobs (key, payload, priority, status, attempts, created_at, run_at)
       VALUES ($1, $2, $3, 'pending', 0, $4, $5) ON CONFLICT (key) DO NOTHING RETURNING *`,
      bytes(key),
      bytes(payload),
      priority,
      now,
      now + delayMs,
    );
    if (inserted !== undefined) return { job: toJob(inserted), created: true };
    return { job: toJob((await this.read(key, now))!), created: false };
  }

  async getJob(key: string): Promise<Job | undefined> {
    nonEmptyString('key', key);
    const row = await this.read(key, this.config.now());
    return row === undefined ? undefined : toJob(row);
  }

  async stats(): Promise<QueueStats> {
    const rows = await this.db.all<{ status: JobStatus; count: number }>(
      `SELECT status, COUNT(*) AS count FROM (SELECT ${AS_OF_NOW} FROM jobs) AS now GROUP BY status`,
      this.config.now(),
      this.config.maxAttempts,
    );
    const counts = { pending: 0, running: 0, completed: 0, dead: 0 };
    for (const row of rows) counts[row.status] = row.count;
    return counts;
  }

  async claim(workerId: string, limit: number = 1): Promise<ClaimedJob[]> {
    nonEmptyString('workerId', workerId);
    integerIn('limit', limit, 1, MAX_MS);
    const now = this.config.now();
    const leaseExpiresAt = now + this.config.leaseMs;
    const rows = await this.db.all<JobRow>(
      CLAIM_SQL,
      now,
      this.config.maxAttempts,
      bytes(workerId),
      limit,
      leaseExpiresAt,
    );
    return rows.sort(claimOrder).map((row) => ({
      key: text(row.key),
      payload: text(row.payload),
      priority: row.priority,
      attempt: row.attempts,
      workerId,
      claimedAt: new Date(now),
      leaseExpiresAt: new Date(leaseExpiresAt),
      token: String(row.fence),
    }));
  }

  /** The fence a token names, or undefined for a string this queue never issued. */
  private fence(ref: ClaimRef): number | undefined {
    return /^[1-9][0-9]{0,14}$/.test(ref.token) ? Number(ref.token) : undefined;
  }

  // complete, fail and release are one UPDATE each: after waiting for a concurrent writer's row
  // lock, PostgreSQL re-checks the WHERE clause on the row's newest version, so a claim that has
  // just ended (completed, failed, released, or reclaimed after its lease) matches nothing.

  async complete(claim: ClaimRef): Promise<boolean> {
    const ref = claimRef(claim);
    const fence = this.fence(ref);
    if (fence === undefined) return false;
    const done = await this.db.run(
      `UPDATE jobs SET status = 'completed', finished_at = $1, claimed_by = NULL, lease_expires_at = NULL
       WHERE ${LIVE_CLAIM}`,
      this.config.now(),
      bytes(ref.key),
      fence,
    );
    return done.changes === 1;
  }

  async fail(claim: ClaimRef, error: unknown): Promise<boolean> {
    const ref = claimRef(claim);
    const message = bytes(this.errorText(error));
    const fence = this.fence(ref);
    if (fence === undefined) return false;
    const { maxAttempts, backoffBaseMs, backoffCapMs, jitter, random } = this.config;
    const now = this.config.now();
    const done = await this.db.run(
      FAIL_SQL,
      now,
      bytes(ref.key),
      fence,
      message,
      maxAttempts,
      backoffBaseMs,
      backoffCapMs,
      jitter === 'full' ? random() : 1,
    );
    return done.changes === 1;
  }

  async release(claim: ClaimRef): Promise<boolean> {
    const ref = claimRef(claim);
    const fence = this.fence(ref);
    if (fence === undefined) return false;
    const done = await this.db.run(
      `UPDATE jobs SET status = 'pending', attempts = attempts - 1, claimed_by = NULL, lease_expires_at = NULL
       WHERE ${LIVE_CLAIM}`,
      this.config.now(),
      bytes(ref.key),
      fence,
    );
    return done.changes === 1;
  }

  async listDeadLetters(): Promise<DeadLetter[]> {
    const rows = await this.db.all<JobRow>(
      `SELECT * FROM (SELECT ${AS_OF_NOW} FROM jobs WHERE ${DEAD}) AS dead ORDER BY finished_at, seq`,
      this.config.now(),
      this.config.maxAttempts,
    );
    return rows.map((row) => ({
      key: text(row.key),
      payload: text(row.payload),
      priority: row.priority,
      attempts: row.attempts,
      lastError: text(row.last_error!),
      createdAt: new Date(row.created_at),
      deadLetteredAt: new Date(row.finished_at!),
    }));
  }

  async replayDeadLetter(key: string): Promise<Job> {
    nonEmptyString('key', key);
    const now = this.config.now();
    for (;;) {
      // One UPDATE: a concurrent replay waits for this one's row lock, re-checks DEAD on the row as
      // this one left it (pending), and matches nothing.
      const replayed = await this.db.get<JobRow>(
        `UPDATE jobs SET status = 'pending', run_at = $1, attempts = 0, last_error = NULL, finished_at = NULL,
           claimed_by = NULL, lease_expires_at = NULL
         WHERE key = $3 AND ${DEAD} RETURNING *`,
        now,
        this.config.maxAttempts,
        bytes(key),
      );
      if (replayed !== undefined) return toJob(replayed);
      // The read is a statement of its own, with a newer snapshot: a fail() on the last attempt
      // may have dead-lettered the job since the UPDATE looked. Then it is dead now: replay it.
      const row = await this.read(key, now);
      if (row === undefined) throw new JobNotFoundError(key);
      if (row.status !== 'dead') throw new JobNotDeadError(key, row.status);
    }
  }

  startWorker(handler: JobHandler, options?: WorkerOptions): QueueWorker {
    return new PollingWorker(this, handler, workerSettings(handler, options));
  }
}

// ---------------------------------------------------------------------------------------------
// The worker.
// ---------------------------------------------------------------------------------------------

/** startWorker's checks: the handler, then the options with their defaults filled in. */
export function workerSettings(handler: unknown, options: unknown): WorkerSettings {
  if (typeof handler !== 'function') {
    throw new TypeError(`handler must be a function, received ${received(handler)}`);
  }
  const given = optionsObject<WorkerOptions>('options', options);
  const workerId = given.workerId === undefined ? `worker-${randomUUID()}` : nonEmptyString('workerId', given.workerId);
  return {
    workerId,
    concurrency: optionalInteger('concurrency', given.concurrency, 20, 1, 1000),
    bufferSize: optionalInteger('bufferSize', given.bufferSize, 50, 0, 10_000),
    pollIntervalMs: optionalInteger('pollIntervalMs', given.pollIntervalMs, 2_000, 1, MAX_MS),
  };
}

/** What the worker needs of a queue. */
export interface WorkerQueue {
  readonly config: Config;
  claim(workerId: string, limit: number): Promise<ClaimedJob[]>;
  complete(claim: ClaimRef): Promise<boolean>;
  fail(claim: ClaimRef, error: unknown): Promise<boolean>;
  release(claim: ClaimRef): Promise<boolean>;
}

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
    protected readonly queue: WorkerQueue,
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
  if (db.dialect !== 'postgres') {
    throw new TypeError(
      `db must be a PostgreSQL handle (this queue's SQL is PostgreSQL's), received db.dialect ${received(db.dialect)}`,
    );
  }
  return new PostgresJobQueue(db, readConfig(options));
}
