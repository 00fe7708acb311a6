/**
 * Bug: converts the amount to major units (amount / 100) for the subscription service, because its
 * other callers send euros. The README's amounts are minor units and the service expects them as
 * received: the customer is subscribed at one hundredth of the price.
 * Violates: downstream-request
 * Rejected by: downstream-request, model-sequences
 */
import { WebhookProcessor, type Lease, type PaymentWebhook, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class AmountInMajorUnits extends WebhookProcessor {
  protected override createWithRetries(event: PaymentWebhook, lease: Lease) {
    return super.createWithRetries({ ...event, amount: event.amount / 100 }, lease);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => AmountInMajorUnits.open(options);
