/**
 * Bug: uses shouldRetry's answer without awaiting it. An async shouldRetry (one that looks the
 * error up, or asks a feature flag) returns a promise, which is truthy, so every error is retried,
 * "false" included.
 * Violates: should-retry-promise
 * Rejected by: non-retryable-stops-at-once
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { shouldRetry } = options;
  if (shouldRetry === undefined) return correctRetry(fn, options);
  return correctRetry(fn, { ...options, shouldRetry: (error, attempt) => Boolean(shouldRetry(error, attempt)) });
}
