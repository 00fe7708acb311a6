/**
 * Bug: calls budget.recordCall() on every attempt, retries included, so each retry earns part of
 * its own token: in an outage the budget refills itself and stops limiting anything.
 * Violates: budget-record-call
 * Rejected by: budget-in-retry, retry-shared-model
 */
import { retry as correctRetry, type RetryOptions } from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { budget } = options;
  if (budget === undefined) return correctRetry(fn, options);
  return correctRetry((attempt) => {
    if (attempt > 1) budget.recordCall();
    return fn(attempt);
  }, options);
}
