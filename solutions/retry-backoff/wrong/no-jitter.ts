/**
 * Bug: ignores the jitter option and always sleeps the plain capped exponential delay. Callers
 * that failed together wake together: 1000 of them hit the recovering service in the same
 * millisecond, round after round (the "no jitter" curve of the AWS measurements).
 * Rejected by: full-jitter-formula, equal-jitter-formula, decorrelated-jitter-formula, no-thundering-herd
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return correctRetry(fn, { ...options, jitter: 'none' });
}
