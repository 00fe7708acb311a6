/**
 * Bug: catches the failed confirmation and forgets it. The subscription succeeds, but the customer
 * never hears about it and nothing records that a message is owed.
 * Violates: failed-confirmation-queued
 * Rejected by: notification-failure-is-queued, seed-resilience
 */
import {
  createSubscriptionWithRetry as correctCreateSubscription,
  type CreateSubscriptionRequest,
  type Subscription,
} from '../index.ts';

export * from '../index.ts';

export function createSubscriptionWithRetry(request: CreateSubscriptionRequest): Promise<Subscription> {
  // "Queued" in name only: nothing is enqueued, so nobody will ever send it.
  return correctCreateSubscription({ ...request, notificationQueue: { enqueue: () => {} } });
}
