/**
 * Bug: uses the hint as the delay even when it is shorter than the backoff. `Retry-After: 0` from
 * an overloaded proxy turns the backoff off entirely, and every client retries at once.
 * Violates: retry-after-longer-wins
 * Rejected by: honours-retry-after
 */
import { RetryCall, type RetryOptions } from '../index.ts';

export * from '../index.ts';

class Buggy<T> extends RetryCall<T> {
  protected override delayAfter(attempt: number, error: unknown): number {
    const backoff = super.delayAfter(attempt, error);
    const hint = this.retryAfterMs(error);
    return hint === undefined ? backoff : Math.min(this.settings.maxDelayMs, hint);
  }
}

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return new Buggy(fn, options).run();
}
