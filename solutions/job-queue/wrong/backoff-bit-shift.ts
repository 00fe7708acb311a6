/**
 * Bug: the exponential is computed with a bit shift, base * (1 << (n - 1)). Fine for the first
 * 31 attempts; at the 32nd the shift wraps to a negative number, the "delay" is negative and the
 * retry is due in the past: a hot loop against a provider that is already down.
 * Violates: backoff
 * Rejected by: backoff-schedule
 */
import { SqliteJobQueue } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class BitShift extends SqliteJobQueue {
  protected override backoffMs(attempt: number): number {
    const { backoffBaseMs, backoffCapMs, jitter, random } = this.config;
    const ceiling = Math.min(backoffCapMs, backoffBaseMs * (1 << (attempt - 1)));
    return jitter === 'full' ? Math.floor(random() * ceiling) : ceiling;
  }
}

export const createJobQueue = factoryFor(BitShift);
