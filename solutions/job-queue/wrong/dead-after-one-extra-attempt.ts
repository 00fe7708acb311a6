/**
 * Bug: dead-lettering tests attempts > maxAttempts, so every job gets one attempt more than
 * configured: with maxAttempts 1, a message that must never be retried is retried.
 * Violates: dead-letter
 * Rejected by: backoff-schedule
 */
import { SqliteJobQueue, claimRef, type ClaimRef } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class OneExtra extends SqliteJobQueue {
  override async fail(claim: ClaimRef, error: unknown): Promise<boolean> {
    const ref = claimRef(claim);
    const text = this.errorText(error);
    return this.write(async (tx, now) => {
      const row = await this.held(tx, ref, now);
      if (row === undefined) return false;
      if (row.attempts > this.config.maxAttempts) {
        await tx.run(
          `UPDATE jobs SET status = 'dead', finished_at = ?, last_error = ?, claimed_by = NULL, lease_expires_at = NULL
           WHERE seq = ?`,
          now,
          text,
          row.seq,
        );
        await tx.run(
          'INSERT INTO dead_letters (seq, last_error, dead_lettered_at) VALUES (?, ?, ?)',
          row.seq,
          text,
          now,
        );
      } else {
        await tx.run(
          `UPDATE jobs SET status = 'pending', run_at = ?, last_error = ?, claimed_by = NULL, lease_expires_at = NULL
           WHERE seq = ?`,
          now + this.backoffMs(row.attempts),
          text,
          row.seq,
        );
      }
      return true;
    });
  }
}

export const createJobQueue = factoryFor(OneExtra);
