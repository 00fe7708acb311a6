/**
 * Bug: treats the default full jitter as no jitter and sleeps the plain capped exponential delay.
 * Callers that failed together wake together: 1000 of them hit the recovering service in the same
 * millisecond, round after round (the "no jitter" curve of the AWS measurements).
 * Violates: delay-full
 * Rejected by: full-jitter-formula, no-thundering-herd
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  const jitter = options.jitter ?? 'full';
  return correctRetry(fn, { ...options, jitter: jitter === 'full' ? 'none' : jitter });
}
