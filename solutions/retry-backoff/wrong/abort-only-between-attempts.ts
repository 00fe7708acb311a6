/**
 * Bug: checks the signal before each attempt and hands it to sleep, but awaits fn without
 * watching it. A call that hangs keeps the aborted request hanging too: "aborted" only takes
 * effect once the service answers, which in an outage may be never.
 * Rejected by: abort-stops-at-once
 */
import { RETRY_DEFAULTS, RetryError, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { maxAttempts, baseDelayMs, maxDelayMs, factor, jitter } = { ...RETRY_DEFAULTS, ...options };
  const { signal } = options;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const errors: unknown[] = [];
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (error) {
      signal?.throwIfAborted();
      errors.push(error);
      if (attempt >= maxAttempts) throw new RetryError('attempts-exhausted', attempt, errors, error);
      const ceiling = Math.min(maxDelayMs, baseDelayMs * factor ** (attempt - 1));
      await sleep(jitter === 'none' ? ceiling : random() * ceiling, signal);
    }
  }
}
