/**
 * Bug: raises the default cap to baseDelayMs when the base is above 20 s, so a base of 30 s
 * silently runs with a 30 s cap that nobody chose, instead of being reported as the contradiction
 * it is.
 * Violates: default-cap-below-base-rejected
 * Rejected by: default-cap-below-base-rejected
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  const base = options.baseDelayMs;
  const maxDelayMs = options.maxDelayMs ?? (typeof base === 'number' && base > 20_000 ? base : undefined);
  return correctRetry(fn, { ...options, maxDelayMs });
}
