/**
 * Bug: calls onRetry once the sleep is over instead of before it. Metrics and logs say "retrying
 * in 8 s" eight seconds late, and a hook that wants to cancel a doomed retry learns about it only
 * afterwards.
 * Violates: on-retry-before-sleep
 * Rejected by: effects-in-order, retry-model
 */
import { retry as correctRetry, type RetryEvent, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { onRetry, sleep } = options;
  if (onRetry === undefined || sleep === undefined) return correctRetry(fn, options);
  let announced: RetryEvent | undefined;
  return correctRetry(fn, {
    ...options,
    onRetry: (event) => (announced = event),
    sleep: async (ms, signal) => {
      await sleep(ms, signal);
      if (announced) onRetry(announced);
    },
  });
}
