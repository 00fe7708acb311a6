/**
 * Bug: starts the sleep but does not wait for it: the next attempt goes out at once, while the
 * timer runs on in the background. Every "backoff" is zero, and the delays only show up in the
 * logs.
 * Violates: one-sleep-between-attempts
 * Rejected by: effects-in-order, retry-model
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  const sleep = options.sleep;
  if (sleep === undefined) return correctRetry(fn, options);
  return correctRetry(fn, {
    ...options,
    sleep: async (ms, signal) => {
      sleep(ms, signal).catch(() => {});
    },
  });
}
