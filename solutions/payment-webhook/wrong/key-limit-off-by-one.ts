/**
 * Bug: rejects idempotency keys of 255 characters (`length >= 255` where the README allows up to
 * 255). A provider whose event ids use the whole range gets a 500-free but permanent rejection
 * for those events.
 * Violates: payload-idempotency-key
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

class KeyLimitOffByOne extends WebhookProcessor {
  protected parse(webhook: unknown): PaymentWebhook {
    const event = parseWebhook(webhook);
    if (event.idempotencyKey.length >= 255) {
      throw new InvalidWebhookError(
        'idempotencyKey',
        `idempotencyKey must be shorter than 255 characters, received ${event.idempotencyKey.length}`,
      );
    }
    return event;
  }

  override async handlePaymentWebhook(webhook: PaymentWebhook): Promise<WebhookResult> {
    const event = this.parse(webhook);
    const claim = await this.claim(event);
    if (claim.kind === 'answered') return claim.result;
    return this.work(event, claim.lease);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => KeyLimitOffByOne.open(options);
