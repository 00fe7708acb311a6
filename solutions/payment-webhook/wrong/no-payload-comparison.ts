/**
 * Bug: looks the idempotency key up but never compares the payload stored with it. A key reused
 * with another amount, status or payment is answered "duplicate" (200), so the provider, or a bug
 * on its side, never learns that the second event was dropped.
 * Violates: payload-mismatch
 * Rejected by: payload-mismatch
 */
import { WebhookProcessor, type EventRow, type PaymentWebhook, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class NoPayloadComparison extends WebhookProcessor {
  protected override samePayload(_row: EventRow, _event: PaymentWebhook): boolean {
    return true;
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => NoPayloadComparison.open(options);
