/**
 * Bug: stats() counts the statuses as stored, without settling ended leases first: a job whose
 * worker died is still counted as running, so the "stuck jobs" graph never shows the backlog.
 * Violates: stats
 * Rejected by: leases-and-fencing
 */
import { SqliteJobQueue, type JobStatus, type QueueStats } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class StoredCounts extends SqliteJobQueue {
  override async stats(): Promise<QueueStats> {
    const rows = await this.db.all<{ status: JobStatus; count: number }>(
      'SELECT status, COUNT(*) AS count FROM jobs GROUP BY status',
    );
    const counts = { pending: 0, running: 0, completed: 0, dead: 0 };
    for (const row of rows) counts[row.status] = row.count;
    return counts;
  }
}

export const createJobQueue = factoryFor(StoredCounts);
