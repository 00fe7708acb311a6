/**
 * Bug: the claim compares run_at <= now + 1 "to absorb clock skew": a retry is sent a millisecond
 * before its backoff has passed, and a job delayed to 09:00:00.000 goes out at 08:59:59.999.
 * Violates: claim-due
 * Rejected by: backoff-schedule
 */
import { CLAIM_SQL, SqliteJobQueue } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class OneMillisecondEarly extends SqliteJobQueue {
  protected override readonly claimSql = CLAIM_SQL.replace('run_at <= ?', 'run_at <= ? + 1');
}

export const createJobQueue = factoryFor(OneMillisecondEarly);
