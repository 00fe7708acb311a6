/**
 * Bug: a claim reads the due jobs and then marks each one running, in separate autocommit
 * statements, with no condition on the UPDATE. Two instances read the same due jobs and both
 * "claim" them: the same e-mail goes out twice.
 * Violates: claim-exclusive
 * Rejected by: claim-race-four-instances, thousand-jobs-four-instances, linearizable-one-process
 */
import { SqliteJobQueue, integerIn, nonEmptyString, type ClaimedJob, type JobRow } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class SelectThenUpdate extends SqliteJobQueue {
  override async claim(workerId: string, limit: number = 1): Promise<ClaimedJob[]> {
    nonEmptyString('workerId', workerId);
    integerIn('limit', limit, 1, 2_147_483_647);
    await this.write(async () => undefined); // settles ended leases
    const now = this.config.now();
    const due = await this.db.all<JobRow>(
      `SELECT * FROM jobs WHERE status = 'pending' AND run_at <= ? ORDER BY priority DESC, run_at, seq LIMIT ?`,
      now,
      limit,
    );
    const leaseExpiresAt = now + this.config.leaseMs;
    const claimed: ClaimedJob[] = [];
    for (const row of due) {
      await this.db.run(
        `UPDATE jobs SET status = 'running', attempts = ?, claimed_by = ?, lease_expires_at = ?, fence = ? WHERE seq = ?`,
        row.attempts + 1,
        workerId,
        leaseExpiresAt,
        row.fence + 1,
        row.seq,
      );
      claimed.push({
        key: row.key,
        payload: row.payload,
        priority: row.priority,
        attempt: row.attempts + 1,
        workerId,
        claimedAt: new Date(now),
        leaseExpiresAt: new Date(leaseExpiresAt),
        token: String(row.fence + 1),
      });
    }
    return claimed;
  }
}

export const createJobQueue = factoryFor(SelectThenUpdate);
