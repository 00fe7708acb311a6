/**
 * Bug: an ended lease always puts the job back to pending, even after its last attempt: a poison
 * message that crashes every worker that touches it is retried for ever, attempt 6, 7, 8...
 * Violates: lease-expiry-dead
 * Rejected by: leases-and-fencing
 */
import { LEASE_EXPIRED, SqliteJobQueue } from '../index.ts';
import type { Transaction } from '../../../harness/kit/db/index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class RetriedForEver extends SqliteJobQueue {
  protected override async expireLeases(tx: Transaction, now: number): Promise<void> {
    await tx.run(
      `UPDATE jobs SET status = 'pending', run_at = lease_expires_at, last_error = ?, claimed_by = NULL,
         lease_expires_at = NULL WHERE status = 'running' AND lease_expires_at <= ?`,
      LEASE_EXPIRED,
      now,
    );
  }
}

export const createJobQueue = factoryFor(RetriedForEver);
