/**
 * Bug: jitter: 'full' is accepted and ignored: every client that failed at 09:00 retries at
 * exactly 09:00:02, then 09:00:06, in lockstep, the thundering herd jitter exists to break up.
 * Violates: backoff
 * Rejected by: backoff-schedule
 */
import { SqliteJobQueue } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class NoJitter extends SqliteJobQueue {
  protected override backoffMs(attempt: number): number {
    const { backoffBaseMs, backoffCapMs } = this.config;
    return backoffBaseMs === 0 ? 0 : Math.min(backoffCapMs, backoffBaseMs * 2 ** (attempt - 1));
  }
}

export const createJobQueue = factoryFor(NoJitter);
