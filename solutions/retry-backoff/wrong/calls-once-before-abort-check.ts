/**
 * Bug: looks at the signal only after the first attempt, so a request the client had already
 * cancelled still charges the card once before retry notices.
 * Violates: abort-before-start
 * Rejected by: abort-stops-at-once
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { signal } = options;
  if (signal?.aborted) {
    await Promise.resolve()
      .then(() => fn(1))
      .catch(() => {});
    throw signal.reason;
  }
  return correctRetry(fn, options);
}
