/**
 * Bug: trusts that the body is a PaymentWebhook. A negative or fractional amount, a string amount,
 * an unknown status or a missing id is stored as it came, and the options are used unchecked, so
 * bad data surfaces far from its cause.
 * Rejected by: rejects-malformed
 */
import {
  WebhookProcessor,
  type PaymentWebhook,
  type PaymentWebhookHandler,
  type PaymentWebhookOptions,
  type WebhookResult,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class TrustsThePayload extends WebhookProcessor {
  static override async open(options: PaymentWebhookOptions): Promise<PaymentWebhookHandler> {
    const processor = new TrustsThePayload({
      ...options,
      secrets: ([] as string[]).concat(options.secret),
      leaseMs: options.leaseMs ?? 30_000,
      maxAttempts: options.maxAttempts ?? 5,
      baseDelayMs: options.baseDelayMs ?? 1_000,
      retentionMs: options.retentionMs ?? 7 * 24 * 60 * 60 * 1000,
      toleranceMs: options.toleranceMs ?? 300_000,
    });
    await processor.migrate();
    return processor;
  }

  override async handlePaymentWebhook(webhook: PaymentWebhook): Promise<WebhookResult> {
    const event = { ...webhook };
    const claim = await this.claim(event);
    if (claim.kind === 'answered') return claim.result;
    return this.work(event, claim.lease);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => TrustsThePayload.open(options);
