/**
 * Bug: accepts maxAttempts: Infinity and retries forever. With a budget it is the budget that ends
 * the loop; without one a request can outlive the deploy that made it.
 * Violates: max-attempts-infinity-rejected
 * Rejected by: max-attempts-infinity-rejected
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = options.maxAttempts === Infinity ? Number.MAX_SAFE_INTEGER : options.maxAttempts;
  return correctRetry(fn, { ...options, maxAttempts });
}
