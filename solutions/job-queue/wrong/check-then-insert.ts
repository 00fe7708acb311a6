/**
 * Bug: enqueue reads "is this key there?" and inserts when it is not, in two autocommit statements.
 * Concurrent enqueues of one key all read "not there"; all but one then hit the unique key and
 * reject, so a client retrying a POST /events gets a 500 instead of its 202.
 * Violates: enqueue-idempotent
 * Rejected by: enqueue-once, linearizable-one-process, linearizable-four-instances
 */
import { SqliteJobQueue, toJob, type EnqueueOptions, type EnqueueResult, type JobRow } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class CheckThenInsert extends SqliteJobQueue {
  override async enqueue(key: string, payload: string, options?: EnqueueOptions): Promise<EnqueueResult> {
    const { priority, delayMs } = this.enqueueArguments(key, payload, options);
    const existing = await this.db.get<{ seq: number }>('SELECT seq FROM jobs WHERE key = ?', key);
    if (existing !== undefined) return super.enqueue(key, payload, options);
    const now = this.config.now();
    await this.db.run(
      `INSERT INTO jobs (key, payload, priority, status, attempts, created_at, run_at) VALUES (?, ?, ?, 'pending', 0, ?, ?)`,
      key,
      payload,
      priority,
      now,
      now + delayMs,
    );
    const row = await this.db.get<JobRow>('SELECT * FROM jobs WHERE key = ?', key);
    return { job: toJob(row!), created: true };
  }
}

export const createJobQueue = factoryFor(CheckThenInsert);
