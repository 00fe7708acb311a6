/**
 * Bug: the default rule retries every error. A validation error or a declined card fails the same
 * way five times, five times as slowly, and the card is submitted to the gateway five times.
 * Violates: default-retryable
 * Rejected by: non-retryable-stops-at-once, payment-decline-not-retried
 */
import {
  createSubscriptionWithRetry as correctCreateSubscription,
  retry as correctRetry,
  type CreateSubscriptionRequest,
  type RetryOptions,
  type Subscription,
} from '../index.ts';

export * from '../index.ts';

const always = (): boolean => true;

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return correctRetry(fn, { ...options, shouldRetry: options.shouldRetry ?? always });
}

export function createSubscriptionWithRetry(request: CreateSubscriptionRequest): Promise<Subscription> {
  return correctCreateSubscription({
    ...request,
    retry: { ...request.retry, shouldRetry: request.retry?.shouldRetry ?? always },
  });
}
