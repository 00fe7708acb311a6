/**
 * Bug: hands fn a zero-based attempt number, so the first call is fn(0). Code that logs or keys on
 * the attempt ("attempt 1 of 3") is off by one everywhere, and fn(0) looks like a call that never
 * happened.
 * Violates: attempt-numbers
 * Rejected by: retries-until-success, retry-model
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return correctRetry((attempt) => fn(attempt - 1), options);
}
