/**
 * Bug: complete, fail and release check that the job is running, not whose claim it is: a worker
 * that hung past its lease wakes up and completes (or fails, or releases) the job another worker
 * now holds.
 * Violates: fencing-token
 * Rejected by: leases-and-fencing
 */
import { SqliteJobQueue, type ClaimRef, type JobRow } from '../index.ts';
import type { Transaction } from '../../../harness/kit/db/index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class NoFence extends SqliteJobQueue {
  protected override async held(tx: Transaction, ref: ClaimRef, now: number): Promise<JobRow | undefined> {
    return tx.get<JobRow>(
      `SELECT * FROM jobs WHERE key = ? AND status = 'running' AND lease_expires_at > ?`,
      ref.key,
      now,
    );
  }
}

export const createJobQueue = factoryFor(NoFence);
