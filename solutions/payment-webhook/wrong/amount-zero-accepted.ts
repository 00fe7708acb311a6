/**
 * Bug: checks `amount < 0` instead of `amount <= 0`, so a payment of 0 cents passes validation: a
 * provider-side bug (or a forged event with a stolen secret) buys a subscription for nothing.
 * Violates: payload-amount
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

class AmountZeroAccepted extends WebhookProcessor {
  protected parse(webhook: unknown): PaymentWebhook {
    if ((webhook as { amount?: unknown } | null)?.amount === 0) {
      return { ...parseWebhook({ ...(webhook as object), amount: 1 }), amount: 0 };
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

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => AmountZeroAccepted.open(options);
