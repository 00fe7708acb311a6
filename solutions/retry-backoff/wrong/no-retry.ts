/**
 * Bug: calls the service once and reports its failure. With a payment gateway failing half the
 * time, half the subscriptions fail although a second attempt would have gone through.
 * Rejected by: retries-until-success, max-attempts-counts-calls, seed-resilience
 */
import {
  createSubscriptionWithRetry as correctCreateSubscription,
  retry as correctRetry,
  type CreateSubscriptionRequest,
  type RetryOptions,
  type Subscription,
} from '../index.ts';

export * from '../index.ts';

export function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return correctRetry(fn, { ...options, maxAttempts: 1 });
}

export function createSubscriptionWithRetry(request: CreateSubscriptionRequest): Promise<Subscription> {
  return correctCreateSubscription({ ...request, retry: { ...request.retry, maxAttempts: 1 } });
}
