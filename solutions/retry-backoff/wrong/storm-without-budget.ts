/**
 * Bug: ignores the shared RetryBudget. Each caller's backoff is fine on its own, but in an outage
 * 1000 callers with maxAttempts 5 send 5000 calls: the retries quadruple the load on a service
 * that is already down.
 * Rejected by: budget-caps-retry-storm
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return correctRetry(fn, { ...options, budget: undefined });
}
