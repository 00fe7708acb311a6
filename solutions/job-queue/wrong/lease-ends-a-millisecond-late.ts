/**
 * Bug: a lease is settled only once now > its end, not at its end: at exactly
 * claimedAt + leaseMs the job is no longer held (complete answers false) but not pending either,
 * so for that millisecond nobody can take it and getJob reports a running job with a dead lease.
 * Violates: lease-expiry
 * Rejected by: leases-and-fencing
 */
import { LEASE_EXPIRED, SqliteJobQueue } from '../index.ts';
import type { Transaction } from '../../../harness/kit/db/index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class OneMillisecondLate extends SqliteJobQueue {
  protected override async expireLeases(tx: Transaction, now: number): Promise<void> {
    const params = { now, max: this.config.maxAttempts, expired: LEASE_EXPIRED };
    await tx.run(
      `INSERT INTO dead_letters (seq, last_error, dead_lettered_at)
         SELECT seq, :expired, lease_expires_at FROM jobs
         WHERE status = 'running' AND lease_expires_at < :now AND attempts >= :max`,
      params,
    );
    await tx.run(
      `UPDATE jobs SET
         status = CASE WHEN attempts >= :max THEN 'dead' ELSE 'pending' END,
         run_at = CASE WHEN attempts >= :max THEN run_at ELSE lease_expires_at END,
         finished_at = CASE WHEN attempts >= :max THEN lease_expires_at ELSE NULL END,
         last_error = :expired, claimed_by = NULL, lease_expires_at = NULL
       WHERE status = 'running' AND lease_expires_at < :now`,
      params,
    );
  }
}

export const createJobQueue = factoryFor(OneMillisecondLate);
