/**
 * Bug: checks `typeof payload === 'object'` and forgets that typeof null is 'object'. A body of
 * `null` (or handlePaymentWebhook(null)) reads a property of null and throws a TypeError, a 500
 * the provider retries for days, instead of an InvalidWebhookError.
 * Violates: payload-not-object
 * Rejected by: malformed-payloads
 */
import {
  WebhookProcessor,
  parseWebhook,
  type PaymentWebhook,
  type PaymentWebhookOptions,
  type WebhookResult,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class NullPayloadCrashes extends WebhookProcessor {
  protected parse(webhook: unknown): PaymentWebhook {
    if (typeof webhook === 'object') {
      // typeof null is 'object' too: this reads a property of null.
      void (webhook as { idempotencyKey: unknown }).idempotencyKey;
    }
    return parseWebhook(webhook);
  }

  override async handlePaymentWebhook(webhook: PaymentWebhook): Promise<WebhookResult> {
    const event = this.parse(webhook);
    const claim = await this.claim(event);
    if (claim.kind === 'answered') return claim.result;
    return this.work(event, claim.lease);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => NullPayloadCrashes.open(options);
