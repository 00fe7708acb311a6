/**
 * Bug: copies p-retry's default minTimeout: without a baseDelayMs the first retry waits up to a
 * second instead of 100 ms, so a blip costs every caller ten times the latency the README
 * promises.
 * Violates: retry-defaults
 * Rejected by: retry-defaults
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return correctRetry(fn, { ...options, baseDelayMs: options.baseDelayMs ?? 1000 });
}
