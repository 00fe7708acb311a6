/**
 * Bug: reads a numeric Retry-After as whole seconds only (Number.isInteger, as if it were the
 * header's digits), so a client library that hands over `retryAfter: 2.5` is not listened to and
 * the retry comes back before the server asked.
 * Violates: retry-after-seconds
 * Rejected by: honours-retry-after, retry-model
 */
import { RetryCall, type RetryOptions } from '../index.ts';

export * from '../index.ts';

class Buggy<T> extends RetryCall<T> {
  protected override retryAfterMs(error: unknown): number | undefined {
    const hint: unknown = (error as { retryAfter?: unknown } | null)?.retryAfter;
    if (typeof hint === 'number' && !Number.isInteger(hint)) return undefined;
    return super.retryAfterMs(error);
  }
}

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return new Buggy(fn, options).run();
}
