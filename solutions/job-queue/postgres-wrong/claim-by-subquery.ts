/**
 * Bug: claim marks its jobs with one `UPDATE ... WHERE seq IN (SELECT ... ORDER BY ... LIMIT ?)`,
 * the SQLite reference's statement, without locking the rows it picks, so two concurrent claims
 * take the same job.
 * Violates: claim-exclusive
 * Rejected by: linearizable-one-process
 *
 * Why only PostgreSQL: on SQLite the statement runs with the database's single write lock held, so
 * no other claim can pick between its subquery and its update. At READ COMMITTED, a second claim's
 * subquery reads the same pending rows from its snapshot, waits for the first claim's row locks,
 * and when it commits re-checks only the outer WHERE (`seq IN (...)`, whose subquery result it
 * keeps) on the newest row version: the row is running now, and it is claimed again, attempts and
 * fence bumped twice. The fix is `FOR UPDATE SKIP LOCKED` in the subquery (`../postgres/index.ts`).
 */
import type { Queryable } from '../../../harness/kit/db/index.ts';
import { bytes, DualDialectQueue, factoryFor, type JobRow } from './base/dual-dialect.ts';

export * from './base/dual-dialect.ts';

class ClaimBySubquery extends DualDialectQueue {
  protected override claimRows(tx: Queryable, workerId: string, leaseEnd: number, now: number, limit: number) {
    return this.all<JobRow>(
      tx,
      `UPDATE jobs SET status = 'running', attempts = attempts + 1, claimed_by = ?, lease_expires_at = ?,
         fence = fence + 1
       WHERE seq IN (
         SELECT seq FROM jobs WHERE status = 'pending' AND run_at <= ?
         ORDER BY priority DESC, run_at, seq LIMIT ?)
       RETURNING *`,
      bytes(workerId),
      leaseEnd,
      now,
      limit,
    );
  }
}

export const createJobQueue = factoryFor(ClaimBySubquery);
