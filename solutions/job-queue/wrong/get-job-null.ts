/**
 * Bug: getJob answers null for a key never enqueued, where the README (and the type) say
 * undefined: `job === undefined` checks in callers treat it as found.
 * Violates: get-job
 * Rejected by: queue-matches-model
 */
import { SqliteJobQueue, type Job } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class NullForUnknown extends SqliteJobQueue {
  override async getJob(key: string): Promise<Job | undefined> {
    return ((await super.getJob(key)) ?? null) as Job | undefined;
  }
}

export const createJobQueue = factoryFor(NullForUnknown);
