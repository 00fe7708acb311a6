/**
 * Bug: dead-lettering marks the job dead and writes its dead letter in two autocommit
 * statements. A failure between them leaves a dead job that listDeadLetters never shows, which
 * nobody will ever replay.
 * Violates: atomic-operations
 * Rejected by: faults-between-statements
 */
import { SqliteJobQueue, claimRef, type ClaimRef } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class TwoSteps extends SqliteJobQueue {
  override async fail(claim: ClaimRef, error: unknown): Promise<boolean> {
    const ref = claimRef(claim);
    const row = await this.write((tx, now) => this.held(tx, ref, now));
    if (row === undefined || row.attempts < this.config.maxAttempts) return super.fail(claim, error);
    const text = this.errorText(error);
    const now = this.config.now();
    await this.db.run(
      `UPDATE jobs SET status = 'dead', finished_at = ?, last_error = ?, claimed_by = NULL, lease_expires_at = NULL
       WHERE seq = ?`,
      now,
      text,
      row.seq,
    );
    await this.db.run(
      'INSERT INTO dead_letters (seq, last_error, dead_lettered_at) VALUES (?, ?, ?)',
      row.seq,
      text,
      now,
    );
    return true;
  }
}

export const createJobQueue = factoryFor(TwoSteps);
