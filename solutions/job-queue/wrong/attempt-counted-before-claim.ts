/**
 * Bug: the ClaimedJob's attempt is the count before this claim (0 on the first run), so a handler
 * that logs "attempt 1 of 5" on the second try, or gives up "on the last attempt", is off by one.
 * Violates: claim-fields
 * Rejected by: leases-and-fencing, worker-matches-model
 */
import { SqliteJobQueue, type ClaimedJob } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class AttemptFromZero extends SqliteJobQueue {
  override async claim(workerId: string, limit?: number): Promise<ClaimedJob[]> {
    const claimed = await super.claim(workerId, limit);
    return claimed.map((job) => ({ ...job, attempt: job.attempt - 1 }));
  }
}

export const createJobQueue = factoryFor(AttemptFromZero);
