/**
 * What the postgres-wrong/ files build on (not a candidate file): one queue that runs on both
 * engines with the same logic and the same transaction shape, so that a wrong file's bug is one
 * override and the only difference between the engines is the engine.
 *
 * - SQL is written once with `?` placeholders; on PostgreSQL they become `$1, $2, ...`.
 * - Strings are stored as UTF-8 bytes (BLOB / bytea: PostgreSQL's text cannot hold NUL).
 * - Every call is one `transaction(body)` with no options: SQLite's deferred transaction (the kit
 *   reruns a body whose snapshot went stale) and PostgreSQL's READ COMMITTED.
 * - Correct on both: rows a decision is made on are locked first on PostgreSQL (`FOR UPDATE`,
 *   `FOR UPDATE SKIP LOCKED` for the claim; SQLite has no row locks and needs none), and every
 *   other write re-checks its condition in its own WHERE clause.
 */
import type { Database, Queryable, SqlParam } from '../../../../harness/kit/db/index.ts';
import {
  claimRef,
  integerIn,
  isDatabase,
  JobNotDeadError,
  JobNotFoundError,
  LEASE_EXPIRED,
  MAX_MS,
  nonEmptyString,
  optionalInteger,
  optionsObject,
  PollingWorker,
  readConfig,
  received,
  workerSettings,
  type ClaimedJob,
  type ClaimRef,
  type Config,
  type DeadLetter,
  type EnqueueOptions,
  type EnqueueResult,
  type Job,
  type JobHandler,
  type JobQueue,
  type JobQueueOptions,
  type JobStatus,
  type QueueStats,
  type QueueWorker,
  type WorkerOptions,
} from '../../postgres/index.ts';

export { JobNotDeadError, JobNotFoundError } from '../../postgres/index.ts';
export type * from '../../postgres/index.ts';

const SQLITE_SCHEMA = `
  CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key BLOB NOT NULL UNIQUE,
    payload BLOB NOT NULL,
    priority INTEGER NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    run_at INTEGER NOT NULL,
    last_error BLOB,
    claimed_by BLOB,
    lease_expires_at INTEGER,
    finished_at INTEGER,
    fence INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE IF NOT EXISTS dead_letters (
    seq INTEGER PRIMARY KEY REFERENCES jobs (seq),
    last_error BLOB NOT NULL,
    dead_lettered_at INTEGER NOT NULL
  );
`;

const POSTGRES_SCHEMA = `
  CREATE TABLE IF NOT EXISTS jobs (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key bytea NOT NULL UNIQUE,
    payload bytea NOT NULL,
    priority bigint NOT NULL,
    status text NOT NULL,
    attempts bigint NOT NULL,
    created_at bigint NOT NULL,
    run_at bigint NOT NULL,
    last_error bytea,
    claimed_by bytea,
    lease_expires_at bigint,
    finished_at bigint,
    fence bigint NOT NULL DEFAULT 0
  );
  CREATE TABLE IF NOT EXISTS dead_letters (
    seq bigint PRIMARY KEY REFERENCES jobs (seq),
    last_error bytea NOT NULL,
    dead_lettered_at bigint NOT NULL
  );
`;

export interface JobRow {
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

export const bytes = (value: string): Uint8Array => Buffer.from(value, 'utf8');
export const text = (value: Uint8Array): string =>
  Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
const textOrNull = (value: Uint8Array | null): string | null => (value === null ? null : text(value));
const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

export function toJob(row: JobRow): Job {
  return {
    key: text(row.key),
    payload: text(row.payload),
    priority: Number(row.priority),
    status: row.status,
    attempts: Number(row.attempts),
    createdAt: new Date(Number(row.created_at)),
    runAt: new Date(Number(row.run_at)),
    lastError: textOrNull(row.last_error),
    claimedBy: textOrNull(row.claimed_by),
    leaseExpiresAt: date(row.lease_expires_at === null ? null : Number(row.lease_expires_at)),
    finishedAt: date(row.finished_at === null ? null : Number(row.finished_at)),
  };
}

export function claimOrder(a: JobRow, b: JobRow): number {
  return b.priority - a.priority || a.run_at - b.run_at || a.seq - b.seq;
}

export class DualDialectQueue implements JobQueue {
  protected readonly postgres: boolean;

  constructor(
    protected readonly db: Database,
    readonly config: Config,
  ) {
    this.postgres = db.dialect === 'postgres';
  }

  /** `?` placeholders as this engine wants them. */
  protected sql(statement: string): string {
    if (!this.postgres) return statement;
    let n = 0;
    return statement.replace(/\?/g, () => `$${++n}`);
  }

  /** A row lock on what a SELECT reads: PostgreSQL's; SQLite has none and needs none. */
  protected lock(suffix: 'FOR UPDATE' | 'FOR UPDATE SKIP LOCKED'): string {
    return this.postgres ? ` ${suffix}` : '';
  }

  protected run(q: Queryable, statement: string, ...params: SqlParam[]) {
    return q.run(this.sql(statement), ...params);
  }
  protected get<R>(q: Queryable, statement: string, ...params: SqlParam[]) {
    return q.get<R>(this.sql(statement), ...params);
  }
  protected all<R>(q: Queryable, statement: string, ...params: SqlParam[]) {
    return q.all<R>(this.sql(statement), ...params);
  }

  protected write<T>(body: (tx: Queryable, now: number) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      const now = this.config.now();
      await this.expireLeases(tx, now);
      return body(tx, now);
    });
  }

  /** Ended leases: pending again, or dead (and in the dead letters) on the last attempt. */
  protected async expireLeases(tx: Queryable, now: number): Promise<void> {
    const max = this.config.maxAttempts;
    const ended = await this.all<{ seq: number; status: JobStatus; finished_at: number | null }>(
      tx,
      `UPDATE jobs SET
         status = CASE WHEN attempts >= ? THEN 'dead' ELSE 'pending' END,
         run_at = CASE WHEN attempts >= ? THEN run_at ELSE lease_expires_at END,
         finished_at = CASE WHEN attempts >= ? THEN lease_expires_at ELSE NULL END,
         last_error = ?, claimed_by = NULL, lease_expires_at = NULL
       WHERE status = 'running' AND lease_expires_at <= ?
       RETURNING seq, status, finished_at`,
      max,
      max,
      max,
      bytes(LEASE_EXPIRED),
      now,
    );
    // Rows this transaction has just updated: locked by it until it ends.
    for (const row of ended) {
      if (row.status !== 'dead') continue;
      await this.run(
        tx,
        'INSERT INTO dead_letters (seq, last_error, dead_lettered_at) VALUES (?, ?, ?)',
        row.seq,
        bytes(LEASE_EXPIRED),
        row.finished_at,
      );
    }
  }

  protected backoffMs(attempt: number): number {
    const { backoffBaseMs, backoffCapMs, jitter, random } = this.config;
    const ceiling = backoffBaseMs === 0 ? 0 : Math.min(backoffCapMs, backoffBaseMs * 2 ** (attempt - 1));
    return jitter === 'full' ? Math.floor(random() * ceiling) : ceiling;
  }

  async init(): Promise<void> {
    if (this.postgres) {
      await this.db.transaction(async (tx) => {
        await tx.run('SELECT pg_advisory_xact_lock($1)', 7_210_022);
        await tx.exec(POSTGRES_SCHEMA);
      });
    } else {
      await this.db.exec(SQLITE_SCHEMA);
    }
  }

  async enqueue(key: string, payload: string, options?: EnqueueOptions): Promise<EnqueueResult> {
    nonEmptyString('key', key);
    if (typeof payload !== 'string') throw new TypeError(`payload must be a string, received ${received(payload)}`);
    const given = optionsObject<EnqueueOptions>('options', options);
    const priority = given.priority === undefined ? 0 : given.priority;
    if (typeof priority !== 'number') throw new TypeError(`priority must be a number, received ${received(priority)}`);
    if (!Number.isSafeInteger(priority)) {
      throw new RangeError(`priority must be a safe integer, received ${received(priority)}`);
    }
    const delayMs = optionalInteger('delayMs', given.delayMs, 0, 0, MAX_MS);
    return this.write(async (tx, now) => {
      const inserted = await this.get<JobRow>(
        tx,
        `INSERT INTO jobs (key, payload, priority, status, attempts, created_at, run_at)
         VALUES (?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (key) DO NOTHING RETURNING *`,
        bytes(key),
        bytes(payload),
        priority,
        now,
        now + delayMs,
      );
      if (inserted !== undefined) return { job: toJob(inserted), created: true };
      const row = await this.get<JobRow>(tx, 'SELECT * FROM jobs WHERE key = ?', bytes(key));
      return { job: toJob(row!), created: false };
    });
  }

  async getJob(key: string): Promise<Job | undefined> {
    nonEmptyString('key', key);
    return this.write(async (tx) => {
      const row = await this.get<JobRow>(tx, 'SELECT * FROM jobs WHERE key = ?', bytes(key));
      return row === undefined ? undefined : toJob(row);
    });
  }

  async stats(): Promise<QueueStats> {
    return this.write(async (tx) => {
      const rows = await this.all<{ status: JobStatus; count: number }>(
        tx,
        'SELECT status, COUNT(*) AS count FROM jobs GROUP BY status',
      );
      const counts = { pending: 0, running: 0, completed: 0, dead: 0 };
      for (const row of rows) counts[row.status] = Number(row.count);
      return counts;
    });
  }

  /** Picks and marks the first `limit` due jobs; resolves the rows marked. */
  protected async claimRows(tx: Queryable, workerId: string, leaseEnd: number, now: number, limit: number) {
    const picked = await this.all<{ seq: number }>(
      tx,
      `SELECT seq FROM jobs WHERE status = 'pending' AND run_at <= ?
       ORDER BY priority DESC, run_at, seq LIMIT ?${this.lock('FOR UPDATE SKIP LOCKED')}`,
      now,
      limit,
    );
    const rows: JobRow[] = [];
    for (const { seq } of picked) {
      const row = await this.get<JobRow>(
        tx,
        `UPDATE jobs SET status = 'running', attempts = attempts + 1, claimed_by = ?, lease_expires_at = ?,
           fence = fence + 1 WHERE seq = ? RETURNING *`,
        bytes(workerId),
        leaseEnd,
        seq,
      );
      rows.push(row!);
    }
    return rows;
  }

  async claim(workerId: string, limit: number = 1): Promise<ClaimedJob[]> {
    nonEmptyString('workerId', workerId);
    integerIn('limit', limit, 1, MAX_MS);
    return this.write(async (tx, now) => {
      const leaseExpiresAt = now + this.config.leaseMs;
      const rows = await this.claimRows(tx, workerId, leaseExpiresAt, now, limit);
      return rows.sort(claimOrder).map((row) => ({
        key: text(row.key),
        payload: text(row.payload),
        priority: Number(row.priority),
        attempt: Number(row.attempts),
        workerId,
        claimedAt: new Date(now),
        leaseExpiresAt: new Date(leaseExpiresAt),
        token: String(row.fence),
      }));
    });
  }

  protected fence(ref: ClaimRef): number | undefined {
    return /^[1-9][0-9]{0,14}$/.test(ref.token) ? Number(ref.token) : undefined;
  }

  async complete(claim: ClaimRef): Promise<boolean> {
    const ref = claimRef(claim);
    const fence = this.fence(ref);
    return this.write(async (tx, now) => {
      if (fence === undefined) return false;
      const done = await this.run(
        tx,
        `UPDATE jobs SET status = 'completed', finished_at = ?, claimed_by = NULL, lease_expires_at = NULL
         WHERE key = ? AND status = 'running' AND fence = ? AND lease_expires_at > ?`,
        now,
        bytes(ref.key),
        fence,
        now,
      );
      return done.changes === 1;
    });
  }

  /** The running row a live claim holds, read for a decision: locked on PostgreSQL. */
  protected held(tx: Queryable, ref: ClaimRef, fence: number, now: number) {
    return this.get<{ seq: number; attempts: number }>(
      tx,
      `SELECT seq, attempts FROM jobs
       WHERE key = ? AND status = 'running' AND fence = ? AND lease_expires_at > ?${this.lock('FOR UPDATE')}`,
      bytes(ref.key),
      fence,
      now,
    );
  }

  async fail(claim: ClaimRef, error: unknown): Promise<boolean> {
    const ref = claimRef(claim);
    const message = bytes(error instanceof Error ? error.message : String(error));
    const fence = this.fence(ref);
    return this.write(async (tx, now) => {
      if (fence === undefined) return false;
      const row = await this.held(tx, ref, fence, now);
      if (row === undefined) return false;
      const attempts = Number(row.attempts);
      if (attempts >= this.config.maxAttempts) {
        await this.run(
          tx,
          `UPDATE jobs SET status = 'dead', finished_at = ?, last_error = ?, claimed_by = NULL,
             lease_expires_at = NULL WHERE seq = ?`,
          now,
          message,
          row.seq,
        );
        await this.run(
          tx,
          'INSERT INTO dead_letters (seq, last_error, dead_lettered_at) VALUES (?, ?, ?)',
          row.seq,
          message,
          now,
        );
      } else {
        await this.run(
          tx,
          `UPDATE jobs SET status = 'pending', run_at = ?, last_error = ?, claimed_by = NULL,
             lease_expires_at = NULL WHERE seq = ?`,
          now + this.backoffMs(attempts),
          message,
          row.seq,
        );
      }
      return true;
    });
  }

  async release(claim: ClaimRef): Promise<boolean> {
    const ref = claimRef(claim);
    const fence = this.fence(ref);
    return this.write(async (tx, now) => {
      if (fence === undefined) return false;
      const done = await this.run(
        tx,
        `UPDATE jobs SET status = 'pending', attempts = attempts - 1, claimed_by = NULL, lease_expires_at = NULL
         WHERE key = ? AND status = 'running' AND fence = ? AND lease_expires_at > ?`,
        bytes(ref.key),
        fence,
        now,
      );
      return done.changes === 1;
    });
  }

  async listDeadLetters(): Promise<DeadLetter[]> {
    return this.write(async (tx) => {
      const rows = await this.all<JobRow & { dead_letter_error: Uint8Array; dead_lettered_at: number }>(
        tx,
        `SELECT jobs.*, dead_letters.last_error AS dead_letter_error, dead_letters.dead_lettered_at
         FROM dead_letters JOIN jobs ON jobs.seq = dead_letters.seq
         ORDER BY dead_letters.dead_lettered_at, dead_letters.seq`,
      );
      return rows.map((row) => ({
        key: text(row.key),
        payload: text(row.payload),
        priority: Number(row.priority),
        attempts: Number(row.attempts),
        lastError: text(row.dead_letter_error),
        createdAt: new Date(Number(row.created_at)),
        deadLetteredAt: new Date(Number(row.dead_lettered_at)),
      }));
    });
  }

  async replayDeadLetter(key: string): Promise<Job> {
    nonEmptyString('key', key);
    return this.write(async (tx, now) => {
      const row = await this.get<JobRow>(tx, `SELECT * FROM jobs WHERE key = ?${this.lock('FOR UPDATE')}`, bytes(key));
      if (row === undefined) throw new JobNotFoundError(key);
      if (row.status !== 'dead') throw new JobNotDeadError(key, row.status);
      await this.run(tx, 'DELETE FROM dead_letters WHERE seq = ?', row.seq);
      const replayed = await this.get<JobRow>(
        tx,
        `UPDATE jobs SET status = 'pending', run_at = ?, attempts = 0, last_error = NULL, finished_at = NULL
         WHERE seq = ? RETURNING *`,
        now,
        row.seq,
      );
      return toJob(replayed!);
    });
  }

  startWorker(handler: JobHandler, options?: WorkerOptions): QueueWorker {
    return new PollingWorker(this, handler, workerSettings(handler, options));
  }
}

type QueueClass = new (db: Database, config: Config) => DualDialectQueue;

/** createJobQueue with the reference's checks, building `Queue`. */
export function factoryFor(Queue: QueueClass): (db: Database, options?: JobQueueOptions) => JobQueue {
  return (db, options) => {
    if (!isDatabase(db)) throw new TypeError(`db must be the kit's database handle, received ${received(db)}`);
    return new Queue(db, readConfig(options));
  };
}

export const createJobQueue = factoryFor(DualDialectQueue);
