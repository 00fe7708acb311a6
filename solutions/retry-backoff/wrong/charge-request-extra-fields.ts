/**
 * Bug: adds the attempt number to the charge request. Gateways that hash the whole request for
 * idempotency see a different request on every retry, and the key no longer protects the customer.
 * Violates: charge-request
 * Rejected by: subscription-model, notification-failure-is-queued
 */
import {
  createSubscriptionWithRetry as correctCreateSubscription,
  type CreateSubscriptionRequest,
  type Subscription,
} from '../index.ts';

export * from '../index.ts';

export function createSubscriptionWithRetry(request: CreateSubscriptionRequest): Promise<Subscription> {
  const { paymentService } = request;
  let attempt = 0;
  return correctCreateSubscription({
    ...request,
    paymentService: { charge: (charge) => paymentService.charge({ ...charge, attempt: ++attempt } as typeof charge) },
  });
}
