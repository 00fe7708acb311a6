/**
 * Bug: makes a fresh idempotency key for every payment attempt. When the gateway charged the card
 * but the response was lost, the retry looks like a new purchase and charges it again.
 * Violates: same-key-every-attempt
 * Rejected by: single-charge-across-retries, seed-resilience
 */
import { randomUUID } from 'node:crypto';
import {
  createSubscriptionWithRetry as correctCreateSubscription,
  type CreateSubscriptionRequest,
  type Subscription,
} from '../index.ts';

export * from '../index.ts';

export function createSubscriptionWithRetry(request: CreateSubscriptionRequest): Promise<Subscription> {
  const { paymentService } = request;
  return correctCreateSubscription({
    ...request,
    paymentService: { charge: (charge) => paymentService.charge({ ...charge, idempotencyKey: randomUUID() }) },
  });
}
