/**
 * Bug: the classic loop that sleeps after every failure, the last one included. The caller waits
 * one more (and the longest) backoff for an answer that was already final.
 * Rejected by: no-sleep-after-last-attempt
 */
import { RETRY_DEFAULTS, RetryError, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { maxAttempts, baseDelayMs, maxDelayMs, factor, jitter } = { ...RETRY_DEFAULTS, ...options };
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const errors: unknown[] = [];
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      errors.push(error);
      const ceiling = Math.min(maxDelayMs, baseDelayMs * factor ** (attempt - 1));
      await sleep(jitter === 'none' ? ceiling : random() * ceiling, options.signal);
    }
  }
  throw new RetryError('attempts-exhausted', maxAttempts, errors, errors.at(-1));
}
