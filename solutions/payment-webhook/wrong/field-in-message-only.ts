/**
 * Bug: puts the offending field's name in the message and sets `field` to "webhook" for every
 * mistake. A person reading the log understands it; the route that maps `field` to a 400 response
 * ("amount: must be a positive integer") tells every client the whole webhook was wrong.
 * Violates: invalid-webhook-error
 * Rejected by: malformed-payloads
 */
import {
  InvalidWebhookError,
  WebhookProcessor,
  parseWebhook,
  type PaymentWebhook,
  type PaymentWebhookOptions,
  type WebhookResult,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class FieldInMessageOnly extends WebhookProcessor {
  protected parse(webhook: unknown): PaymentWebhook {
    try {
      return parseWebhook(webhook);
    } catch (error) {
      if (!(error instanceof InvalidWebhookError)) throw error;
      throw new InvalidWebhookError('webhook', `${error.field}: ${error.message}`);
    }
  }

  override async handlePaymentWebhook(webhook: PaymentWebhook): Promise<WebhookResult> {
    const event = this.parse(webhook);
    const claim = await this.claim(event);
    if (claim.kind === 'answered') return claim.result;
    return this.work(event, claim.lease);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => FieldInMessageOnly.open(options);
