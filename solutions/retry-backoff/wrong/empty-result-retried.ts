/**
 * Bug: treats a success whose value is undefined or null as "no answer" and tries again. A call
 * that legitimately returns nothing (a DELETE, a void send) is made maxAttempts times and then
 * reported as a failure.
 * Violates: first-success-resolves
 * Rejected by: retries-until-success, retry-model
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return correctRetry(async (attempt) => {
    const value = await fn(attempt);
    if (value === undefined || value === null) throw new Error('empty response');
    return value;
  }, options);
}
