/**
 * Bug: lower-cases the status before checking it, to be "lenient". 'SUCCESS' and 'Success' are
 * accepted as 'success'; a provider that never sends them can still be impersonated by a sender
 * that does, and the stored event no longer says what arrived.
 * Violates: payload-status
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

class StatusCaseInsensitive extends WebhookProcessor {
  protected parse(webhook: unknown): PaymentWebhook {
    const status = (webhook as { status?: unknown } | null)?.status;
    if (typeof status === 'string' && status !== status.toLowerCase()) {
      return parseWebhook({ ...(webhook as object), status: status.toLowerCase() });
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

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => StatusCaseInsensitive.open(options);
