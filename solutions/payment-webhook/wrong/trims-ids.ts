/**
 * Bug: trims whitespace off paymentId and userId "to be safe". Ids are opaque: ' pay_1' and
 * 'pay_1' become one payment, the first one's status is reported for the second, and a lookup
 * with the id as the provider sent it finds nothing.
 * Violates: payload-ids
 * Rejected by: ids-any-text
 */
import {
  WebhookProcessor,
  parseWebhook,
  type PaymentWebhook,
  type PaymentWebhookOptions,
  type WebhookResult,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class TrimsIds extends WebhookProcessor {
  protected parse(webhook: unknown): PaymentWebhook {
    const event = parseWebhook(webhook);
    return { ...event, paymentId: event.paymentId.trim(), userId: event.userId.trim() };
  }

  override async handlePaymentWebhook(webhook: PaymentWebhook): Promise<WebhookResult> {
    const event = this.parse(webhook);
    const claim = await this.claim(event);
    if (claim.kind === 'answered') return claim.result;
    return this.work(event, claim.lease);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => TrimsIds.open(options);
