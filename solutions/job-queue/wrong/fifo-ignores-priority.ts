/**
 * Bug: claims are plain FIFO by due time: the OTP someone is waiting for queues behind ten
 * thousand newsletters.
 * Violates: claim-order
 * Rejected by: priority-and-fifo
 */
import { CLAIM_SQL, SqliteJobQueue, type JobRow } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class PlainFifo extends SqliteJobQueue {
  protected override readonly claimSql = CLAIM_SQL.replace(
    'ORDER BY priority DESC, run_at, seq',
    'ORDER BY run_at, seq',
  );
  protected override order(a: JobRow, b: JobRow): number {
    return a.run_at - b.run_at || a.seq - b.seq;
  }
}

export const createJobQueue = factoryFor(PlainFifo);
