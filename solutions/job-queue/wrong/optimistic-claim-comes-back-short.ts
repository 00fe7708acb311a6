/**
 * Bug: a claim reads the due jobs, then takes each with UPDATE ... WHERE status = 'pending' and
 * keeps the ones it won. No job is ever claimed twice, but a claim that loses a race comes back
 * with fewer jobs than it asked for (often none) while others are due: workers sit idle, and
 * "the first `limit` due jobs" is not what anyone got.
 * Violates: claim-exclusive
 * Rejected by: claim-race-four-instances
 */
import { SqliteJobQueue, integerIn, nonEmptyString, type ClaimedJob, type JobRow } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class OptimisticClaim extends SqliteJobQueue {
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
      const won = await this.db.run(
        `UPDATE jobs SET status = 'running', attempts = attempts + 1, claimed_by = ?, lease_expires_at = ?,
           fence = fence + 1 WHERE seq = ? AND status = 'pending'`,
        workerId,
        leaseExpiresAt,
        row.seq,
      );
      if (won.changes === 0) continue;
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

export const createJobQueue = factoryFor(OptimisticClaim);
