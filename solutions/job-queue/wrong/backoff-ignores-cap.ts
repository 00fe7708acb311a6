/**
 * Bug: the delay doubles without the cap: after a long outage a job is next tried in weeks, not
 * in an hour.
 * Violates: backoff
 * Rejected by: backoff-schedule
 */
import { SqliteJobQueue } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class NoCap extends SqliteJobQueue {
  protected override backoffMs(attempt: number): number {
    const { backoffBaseMs, jitter, random } = this.config;
    const ceiling = backoffBaseMs * 2 ** (attempt - 1);
    return jitter === 'full' ? Math.floor(random() * ceiling) : ceiling;
  }
}

export const createJobQueue = factoryFor(NoCap);
