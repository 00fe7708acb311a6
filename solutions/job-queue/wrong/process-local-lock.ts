/**
 * Bug: the read-then-mark claim is guarded by a mutex in the module's memory. Every instance in
 * one process shares it, so one process looks correct; four app instances each have their own
 * mutex, and claim the same jobs.
 * Violates: claim-exclusive
 * Rejected by: thousand-jobs-four-instances, claim-race-four-instances
 */
import { SqliteJobQueue, integerIn, nonEmptyString, type ClaimedJob, type JobRow } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

let lock: Promise<unknown> = Promise.resolve();

function exclusive<T>(body: () => Promise<T>): Promise<T> {
  const result = lock.then(body, body);
  lock = result.catch(() => undefined);
  return result;
}

class LocalMutex extends SqliteJobQueue {
  override claim(workerId: string, limit: number = 1): Promise<ClaimedJob[]> {
    nonEmptyString('workerId', workerId);
    integerIn('limit', limit, 1, 2_147_483_647);
    return exclusive(async () => {
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
    });
  }
}

export const createJobQueue = factoryFor(LocalMutex);
