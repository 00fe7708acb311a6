/**
 * Bug: derives the subscription service's idempotency key from the payment id lower-cased, as if
 * ids were case-insensitive. Payments 'Pay_1' and 'pay_1' are two payments, but their calls carry
 * one key: the service answers the second with the first one's subscription, and the second
 * customer is never subscribed.
 * Violates: downstream-key
 * Rejected by: ids-any-text
 */
import { WebhookProcessor, type PaymentWebhook, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class DownstreamKeyCaseFolded extends WebhookProcessor {
  protected override subscriptionKey(event: PaymentWebhook): string {
    return super.subscriptionKey({ ...event, paymentId: event.paymentId.toLowerCase() });
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => DownstreamKeyCaseFolded.open(options);
