/**
 * Bug: sends the confirmation without the chargeId. The e-mail cannot show the receipt number, and
 * support cannot match a customer's "I was charged" to the charge.
 * Violates: confirmation-sent
 * Rejected by: notification-failure-is-queued, subscription-model
 */
import {
  createSubscriptionWithRetry as correctCreateSubscription,
  type CreateSubscriptionRequest,
  type Subscription,
} from '../index.ts';

export * from '../index.ts';

export function createSubscriptionWithRetry(request: CreateSubscriptionRequest): Promise<Subscription> {
  const { notificationService } = request;
  return correctCreateSubscription({
    ...request,
    notificationService: {
      sendSubscriptionConfirmation: ({ id, userId, productId }) =>
        notificationService.sendSubscriptionConfirmation({ id, userId, productId } as Parameters<
          typeof notificationService.sendSubscriptionConfirmation
        >[0]),
    },
  });
}
