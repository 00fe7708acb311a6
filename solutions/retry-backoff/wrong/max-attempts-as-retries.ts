/**
 * Bug: reads maxAttempts as the number of retries, the way p-retry's `retries` and cockatiel's
 * `maxAttempts` count, so maxAttempts: 3 calls the service four times and maxAttempts: 1 still
 * retries once.
 * Violates: max-attempts-counts-calls
 * Rejected by: max-attempts-counts-calls, gives-up-with-every-cause
 */
import { retry as correctRetry, RETRY_DEFAULTS, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return correctRetry(fn, { ...options, maxAttempts: (options.maxAttempts ?? RETRY_DEFAULTS.maxAttempts) + 1 });
}
