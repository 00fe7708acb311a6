/**
 * Bug: sets RetryError.cause to the first failure instead of the last. The error the caller logs
 * and shows is the one from minutes ago, not the one the service answered with at the end.
 * Violates: error-cause-last
 * Rejected by: gives-up-with-every-cause, non-error-failures
 */
import { retry as correctRetry, RetryError, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  try {
    return await correctRetry(fn, options);
  } catch (error) {
    if (!(error instanceof RetryError)) throw error;
    throw new RetryError(
      error.reason,
      error.attempts,
      error.errors,
      error.errors.length > 0 ? error.errors[0] : error.cause,
    );
  }
}
