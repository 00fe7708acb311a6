/**
 * Bug: a failure that schedules a retry does not record its error (only dead-lettering does), so
 * while a job is being retried nobody can see why it failed.
 * Violates: fail-retry
 * Rejected by: backoff-schedule
 */
import { SqliteJobQueue, claimRef, type ClaimRef } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class ForgetsError extends SqliteJobQueue {
  override async fail(claim: ClaimRef, error: unknown): Promise<boolean> {
    const ref = claimRef(claim);
    const row = await this.write((tx, now) => this.held(tx, ref, now));
    if (row !== undefined && row.attempts < this.config.maxAttempts) {
      return this.write(async (tx, now) => {
        const live = await this.held(tx, ref, now);
        if (live === undefined) return false;
        await tx.run(
          `UPDATE jobs SET status = 'pending', run_at = ?, claimed_by = NULL, lease_expires_at = NULL WHERE seq = ?`,
          now + this.backoffMs(live.attempts),
          live.seq,
        );
        return true;
      });
    }
    return super.fail(claim, error);
  }
}

export const createJobQueue = factoryFor(ForgetsError);
