/**
 * Bug: derives the idempotency key from the user and the product. The first purchase works; when
 * the subscription lapses and the customer buys again, the gateway replays the old charge and the
 * new one is never made.
 * Violates: key-per-call
 * Rejected by: single-charge-across-retries, subscription-model
 */
import {
  createSubscriptionWithRetry as correctCreateSubscription,
  type CreateSubscriptionRequest,
  type Subscription,
} from '../index.ts';

export * from '../index.ts';

export function createSubscriptionWithRetry(request: CreateSubscriptionRequest): Promise<Subscription> {
  return correctCreateSubscription({
    ...request,
    idempotencyKey: request.idempotencyKey ?? `${String(request.userId)}:${String(request.productId)}`,
  });
}
