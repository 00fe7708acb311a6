/**
 * Bug: trusts its options. maxAttempts: 0 resolves with undefined without calling anything,
 * a negative delay or a factor below 1 quietly produces nonsense, and a typo in the jitter
 * name silently means "no jitter": configuration bugs surface in production, not at startup.
 * Rejected by: rejects-bad-input
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
      if (attempt >= maxAttempts) break;
      const ceiling = Math.min(maxDelayMs, baseDelayMs * factor ** (attempt - 1));
      await sleep(jitter === 'full' ? random() * ceiling : ceiling, options.signal);
    }
  }
  return errors.length === 0
    ? (undefined as T)
    : Promise.reject(new RetryError('attempts-exhausted', errors.length, errors, errors.at(-1)));
}
