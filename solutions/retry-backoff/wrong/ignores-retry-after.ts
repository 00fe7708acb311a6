/**
 * Bug: reads only numeric retryAfter values. A header's value arrives as a string ('5'), so a
 * server answering 429 "come back in 5 s" gets its next request after 100 ms, which is how rate-
 * limited clients get their keys suspended.
 * Violates: retry-after-seconds
 * Rejected by: honours-retry-after
 */
import { RetryCall, retryAfterMs, type RetryOptions } from '../index.ts';

export * from '../index.ts';

class Buggy<T> extends RetryCall<T> {
  protected override retryAfterMs(error: unknown): number | undefined {
    const hint = (error as { retryAfter?: unknown } | null)?.retryAfter;
    return typeof hint === 'string' && /^[0-9]+$/.test(hint) ? undefined : retryAfterMs(error, this.settings.now);
  }
}

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return new Buggy(fn, options).run();
}
