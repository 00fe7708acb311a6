/**
 * Bug: races the signal itself but never hands it to sleep. The caller sees the abort at once, but
 * every aborted sleep's timer runs to its end, and a process that shuts down waits for them (or
 * leaks them).
 * Violates: signal-handed-to-sleep
 * Rejected by: abort-stops-at-once, retry-model
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { sleep } = options;
  if (sleep === undefined) return correctRetry(fn, options);
  return correctRetry(fn, { ...options, sleep: (ms) => sleep(ms) });
}
