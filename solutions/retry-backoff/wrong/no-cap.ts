/**
 * Bug: never applies maxDelayMs. base × 2^n passes an hour after about 15 failures, and a Retry-
 * After of 3600 s is obeyed to the letter: a retry that is technically still pending but will
 * never help anyone.
 * Violates: delay-cap
 * Rejected by: delays-never-exceed-cap, honours-retry-after
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return correctRetry(fn, { ...options, maxDelayMs: Infinity });
}
