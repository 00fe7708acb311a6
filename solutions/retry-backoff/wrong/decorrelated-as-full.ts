/**
 * Bug: treats 'decorrelated' as another name for full jitter. Decorrelated jitter never sleeps
 * less than the base and grows from the previous sleep (min(cap, random_between(base, 3 ×
 * previous))); full jitter can retry after 0 ms.
 * Violates: delay-decorrelated
 * Rejected by: decorrelated-jitter-formula
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return correctRetry(fn, { ...options, jitter: options.jitter === 'decorrelated' ? 'full' : options.jitter });
}
