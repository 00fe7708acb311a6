/**
 * Bug: never reads the error's Retry-After. A server answering 429 "come back in 5 s" gets its
 * next request after 100 ms, which is how rate-limited clients get their keys suspended.
 * Rejected by: honours-retry-after
 */
import { RETRY_DEFAULTS, RetryError, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { maxAttempts, baseDelayMs, maxDelayMs, factor, jitter } = { ...RETRY_DEFAULTS, ...options };
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const errors: unknown[] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      errors.push(error);
      if (attempt >= maxAttempts) throw new RetryError('attempts-exhausted', attempt, errors, error);
      const ceiling = Math.min(maxDelayMs, baseDelayMs * factor ** (attempt - 1));
      await sleep(jitter === 'none' ? ceiling : random() * ceiling, options.signal);
    }
  }
}
