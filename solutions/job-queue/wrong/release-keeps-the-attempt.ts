/**
 * Bug: release gives the job back without lowering its attempts: every deploy that stops a worker
 * with a full buffer burns an attempt of each buffered job that never ran, and enough deploys
 * dead-letter jobs that were never tried.
 * Violates: release
 * Rejected by: graceful-shutdown, leases-and-fencing
 */
import { SqliteJobQueue, claimRef, type ClaimRef } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class KeepsAttempt extends SqliteJobQueue {
  override async release(claim: ClaimRef): Promise<boolean> {
    const ref = claimRef(claim);
    return this.write(async (tx, now) => {
      const row = await this.held(tx, ref, now);
      if (row === undefined) return false;
      await tx.run(
        `UPDATE jobs SET status = 'pending', claimed_by = NULL, lease_expires_at = NULL WHERE seq = ?`,
        row.seq,
      );
      return true;
    });
  }
}

export const createJobQueue = factoryFor(KeepsAttempt);
