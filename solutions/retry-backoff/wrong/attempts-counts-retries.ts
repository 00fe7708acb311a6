/**
 * Bug: counts retries in RetryError.attempts instead of calls of fn, so a call that failed three
 * times reports 2 attempts and one that failed once reports 0.
 * Violates: error-attempts
 * Rejected by: gives-up-with-every-cause, retry-model
 */
import { retry as correctRetry, RetryError, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  try {
    return await correctRetry(fn, options);
  } catch (error) {
    if (!(error instanceof RetryError)) throw error;
    throw new RetryError(error.reason, Math.max(0, error.attempts - 1), error.errors, error.cause);
  }
}
