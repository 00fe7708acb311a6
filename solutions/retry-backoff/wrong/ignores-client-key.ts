/**
 * Bug: always makes its own idempotency key, ignoring the client's. A client that retries the
 * whole HTTP request after a timeout (with the same key, as it should) buys the subscription
 * twice.
 * Violates: client-key-used
 * Rejected by: single-charge-across-retries, subscription-model
 */
import {
  createSubscriptionWithRetry as correctCreateSubscription,
  type CreateSubscriptionRequest,
  type Subscription,
} from '../index.ts';

export * from '../index.ts';

export function createSubscriptionWithRetry(request: CreateSubscriptionRequest): Promise<Subscription> {
  return correctCreateSubscription({ ...request, idempotencyKey: undefined });
}
