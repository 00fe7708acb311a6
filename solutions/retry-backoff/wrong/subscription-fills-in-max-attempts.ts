/**
 * Bug: fills in a maxAttempts of its own (5, "a payment deserves more tries") under request.retry
 * instead of using the options as given: a caller who leaves maxAttempts out gets five charges
 * attempted where retry()'s default is three.
 * Violates: payment-retried-as-given
 * Rejected by: subscription-model
 */
import {
  createSubscriptionWithRetry as correctCreateSubscription,
  type CreateSubscriptionRequest,
  type Subscription,
} from '../index.ts';

export * from '../index.ts';

export function createSubscriptionWithRetry(request: CreateSubscriptionRequest): Promise<Subscription> {
  return correctCreateSubscription({ ...request, retry: { maxAttempts: 5, ...request.retry } });
}
