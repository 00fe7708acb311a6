/**
 * Bug: records each call in the shared RetryBudget but never asks it for a token. Each caller's
 * backoff is fine on its own, but in an outage 1000 callers with maxAttempts 5 send 5000 calls:
 * the retries quadruple the load on a service that is already down.
 * Violates: budget-acquire-per-retry
 * Rejected by: budget-in-retry, shared-callers-interleavings
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { budget } = options;
  if (budget === undefined) return correctRetry(fn, options);
  return correctRetry(fn, {
    ...options,
    budget: { recordCall: () => budget.recordCall(), tryAcquireRetry: () => true } as unknown as typeof budget,
  });
}
