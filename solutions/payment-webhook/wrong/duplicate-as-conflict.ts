/**
 * Bug: answers a duplicate delivery with 409 ("already processed"). To the provider any non-2xx
 * means "not delivered", so it keeps redelivering an event that was handled long ago, for days,
 * and its dashboard shows the endpoint as failing.
 * Violates: duplicate-delivery
 * Rejected by: http-status-mapping, triple-delivery
 */
import { WebhookProcessor, type PaymentWebhook, type PaymentWebhookOptions, type WebhookResult } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class DuplicateAsConflict extends WebhookProcessor {
  override async handlePaymentWebhook(webhook: PaymentWebhook): Promise<WebhookResult> {
    const result = await super.handlePaymentWebhook(webhook);
    return result.outcome === 'duplicate' ? ({ ...result, httpStatus: 409 } as unknown as WebhookResult) : result;
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => DuplicateAsConflict.open(options);
