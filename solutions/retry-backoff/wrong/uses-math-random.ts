/**
 * Bug: draws its jitter from Math.random instead of the injected random source. The delays look
 * fine in production, but no test can reproduce a run, and the formula cannot be checked.
 * Violates: uses-injected-time
 * Rejected by: full-jitter-formula, equal-jitter-formula, decorrelated-jitter-formula, retry-model
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return correctRetry(fn, { ...options, random: Math.random });
}
