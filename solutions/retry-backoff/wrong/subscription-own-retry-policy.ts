/**
 * Bug: retries the payment three times whatever request.retry says: the caller who asked for 12
 * attempts in a flaky hour gets 3, and the one who asked for 1 (a checkout page with its own retry
 * button) gets 3.
 * Violates: payment-retried-as-given
 * Rejected by: seed-resilience, subscription-model
 */
import {
  createSubscriptionWithRetry as correctCreateSubscription,
  type CreateSubscriptionRequest,
  type Subscription,
} from '../index.ts';

export * from '../index.ts';

export function createSubscriptionWithRetry(request: CreateSubscriptionRequest): Promise<Subscription> {
  return correctCreateSubscription({ ...request, retry: { ...request.retry, maxAttempts: 3 } });
}
