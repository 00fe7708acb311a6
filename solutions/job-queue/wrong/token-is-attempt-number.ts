/**
 * Bug: the fencing token is the attempt number. Release lowers attempts, so the next claim gets
 * the token of the claim that was just released, and that old claim's late complete lands on
 * the new holder's job.
 * Violates: fencing-token
 * Rejected by: leases-and-fencing
 */
import { SqliteJobQueue, type ClaimedJob, type ClaimRef, type JobRow } from '../index.ts';
import type { Transaction } from '../../../harness/kit/db/index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class AttemptToken extends SqliteJobQueue {
  override async claim(workerId: string, limit?: number): Promise<ClaimedJob[]> {
    const claimed = await super.claim(workerId, limit);
    return claimed.map((job) => ({ ...job, token: String(job.attempt) }));
  }

  protected override async held(tx: Transaction, ref: ClaimRef, now: number): Promise<JobRow | undefined> {
    return tx.get<JobRow>(
      `SELECT * FROM jobs WHERE key = ? AND status = 'running' AND attempts = ? AND lease_expires_at > ?`,
      ref.key,
      Number(ref.token),
      now,
    );
  }
}

export const createJobQueue = factoryFor(AttemptToken);
