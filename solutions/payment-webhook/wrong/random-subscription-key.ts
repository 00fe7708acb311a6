/**
 * Bug: sends the subscription service a fresh random idempotency key on every call. Retries
 * inside one delivery look fine, but when the process dies after the service created the
 * subscription and before the commit, the redelivery's call carries a new key and the service
 * creates a second subscription: the customer is billed twice.
 * Violates: downstream-key
 * Rejected by: downstream-idempotency-key
 */
import { randomUUID } from 'node:crypto';
import { WebhookProcessor, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class RandomSubscriptionKey extends WebhookProcessor {
  protected override subscriptionKey(): string {
    return randomUUID();
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => RandomSubscriptionKey.open(options);
