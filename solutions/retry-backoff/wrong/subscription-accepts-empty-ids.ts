/**
 * Bug: checks that userId and productId are strings but not that they are non-empty, so a form
 * that lost its hidden field charges a card for the product '' on behalf of the user ''.
 * Violates: subscription-rejects-bad-request
 * Rejected by: rejects-bad-subscription-request
 */
import {
  createSubscriptionWithRetry as correctCreateSubscription,
  type CreateSubscriptionRequest,
  type Subscription,
} from '../index.ts';

export * from '../index.ts';

export function createSubscriptionWithRetry(request: CreateSubscriptionRequest): Promise<Subscription> {
  const placeholder = (value: unknown): unknown => (value === '' ? 'unknown' : value);
  return correctCreateSubscription({
    ...request,
    userId: placeholder(request.userId) as string,
    productId: placeholder(request.productId) as string,
  });
}
