/**
 * Bug: hands any retryAfter that is not digits to Date.parse. Date.parse accepts nearly anything:
 * an ISO date or a date without its time is believed, 31 February becomes 3 March, and a garbled
 * header can park a caller at the cap for every retry.
 * Violates: retry-after-ignored
 * Rejected by: honours-retry-after
 */
import { RetryCall, retryAfterMs, type RetryOptions } from '../index.ts';

export * from '../index.ts';

class Buggy<T> extends RetryCall<T> {
  protected override retryAfterMs(error: unknown): number | undefined {
    const hint = (error as { retryAfter?: unknown } | null)?.retryAfter;
    if (typeof hint !== 'string' || /^[0-9]+$/.test(hint)) return retryAfterMs(error, this.settings.now);
    const at = Date.parse(hint);
    return Number.isNaN(at) ? undefined : Math.max(0, at - this.settings.now());
  }
}

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return new Buggy(fn, options).run();
}
