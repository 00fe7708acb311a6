/**
 * Bug: enqueue with a key that exists overwrites its payload and priority ("last write wins"): a
 * client's retry, or a second event reusing the key, silently changes a job that may already
 * have been sent.
 * Violates: enqueue-idempotent
 * Rejected by: keys-compared-exactly
 */
import { SqliteJobQueue, toJob, type EnqueueOptions, type EnqueueResult, type JobRow } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class Upserts extends SqliteJobQueue {
  override async enqueue(key: string, payload: string, options?: EnqueueOptions): Promise<EnqueueResult> {
    const answer = await super.enqueue(key, payload, options);
    if (answer.created) return answer;
    await this.db.run('UPDATE jobs SET payload = ?, priority = ? WHERE key = ?', payload, options?.priority ?? 0, key);
    const row = await this.db.get<JobRow>('SELECT * FROM jobs WHERE key = ?', key);
    return { job: toJob(row!), created: false };
  }
}

export const createJobQueue = factoryFor(Upserts);
