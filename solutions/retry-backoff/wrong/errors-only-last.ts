/**
 * Bug: keeps only the last failure in RetryError.errors. The story of the outage (a timeout, then
 * two 503s, then a reset) is reduced to its last line.
 * Violates: error-lists-failures
 * Rejected by: gives-up-with-every-cause, non-error-failures
 */
import { retry as correctRetry, RetryError, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  try {
    return await correctRetry(fn, options);
  } catch (error) {
    if (!(error instanceof RetryError)) throw error;
    throw new RetryError(error.reason, error.attempts, error.errors.slice(-1), error.cause);
  }
}
