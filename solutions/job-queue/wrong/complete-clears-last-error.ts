/**
 * Bug: complete wipes lastError, so a job that failed twice and then went through looks as if it
 * never failed: the flaky provider is invisible in the data.
 * Violates: complete
 * Rejected by: leases-and-fencing
 */
import { SqliteJobQueue, claimRef, type ClaimRef } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class ClearsLastError extends SqliteJobQueue {
  override async complete(claim: ClaimRef): Promise<boolean> {
    const ref = claimRef(claim);
    return this.write(async (tx, now) => {
      const row = await this.held(tx, ref, now);
      if (row === undefined) return false;
      await tx.run(
        `UPDATE jobs SET status = 'completed', finished_at = ?, claimed_by = NULL, lease_expires_at = NULL,
           last_error = NULL WHERE seq = ?`,
        now,
        row.seq,
      );
      return true;
    });
  }
}

export const createJobQueue = factoryFor(ClearsLastError);
