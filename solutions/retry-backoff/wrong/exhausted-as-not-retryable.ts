/**
 * Bug: reports running out of attempts as 'not-retryable', so a transient outage looks like a
 * permanent error and the caller's own fallback (queue it for later) never runs.
 * Violates: gives-up-attempts-exhausted
 * Rejected by: gives-up-with-every-cause, retry-model
 */
import { retry as correctRetry, RetryError, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  try {
    return await correctRetry(fn, options);
  } catch (error) {
    if (!(error instanceof RetryError)) throw error;
    throw error.reason === 'attempts-exhausted'
      ? new RetryError('not-retryable', error.attempts, error.errors, error.cause)
      : error;
  }
}
