/**
 * Bug: applies the retryable flag even when a shouldRetry is given, so shouldRetry can only veto,
 * never retry an error marked retryable: false. A caller who knows better (a 409 that is safe to
 * repeat) cannot say so.
 * Violates: should-retry-decides
 * Rejected by: non-retryable-stops-at-once
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { shouldRetry } = options;
  if (shouldRetry === undefined) return correctRetry(fn, options);
  return correctRetry(fn, {
    ...options,
    shouldRetry: (error, attempt) =>
      (error as { retryable?: unknown } | null)?.retryable === false ? false : shouldRetry(error, attempt),
  });
}
