/**
 * Bug: understands delta-seconds but not HTTP dates, so a 503 with `Retry-After: Thu, 01 Jan 2026
 * 00:05:00 GMT` (what a maintenance page sends) is retried on the normal schedule, straight into
 * the maintenance window.
 * Violates: retry-after-http-date
 * Rejected by: honours-retry-after
 */
import { RetryCall, retryAfterMs, type RetryOptions } from '../index.ts';

export * from '../index.ts';

class Buggy<T> extends RetryCall<T> {
  protected override retryAfterMs(error: unknown): number | undefined {
    const hint = (error as { retryAfter?: unknown } | null)?.retryAfter;
    return typeof hint === 'string' && !/^[0-9]+$/.test(hint) ? undefined : retryAfterMs(error, this.settings.now);
  }
}

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return new Buggy(fn, options).run();
}
