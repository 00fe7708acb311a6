/**
 * Bug: the default rule reads error.retryable without checking that the failure is an object, so a
 * rejection with undefined or null (a bare reject(), a callback API's null error) crashes retry
 * with a TypeError instead of being retried.
 * Violates: failures-any-value
 * Rejected by: non-error-failures, retry-model
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  const shouldRetry =
    options.shouldRetry ?? ((error: unknown) => (error as { retryable?: unknown }).retryable !== false);
  return correctRetry(fn, { ...options, shouldRetry });
}
