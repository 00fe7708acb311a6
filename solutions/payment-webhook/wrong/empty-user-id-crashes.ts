/**
 * Bug: treats an empty userId as "missing" with a hand-written check that throws a plain Error.
 * Rejecting it is allowed, but not like this: the route sees an unknown error, answers 500, and the
 * provider redelivers an event that can never succeed.
 * Violates: payload-ids-empty-either-way
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

class EmptyUserIdCrashes extends WebhookProcessor {
  protected parse(webhook: unknown): PaymentWebhook {
    if ((webhook as { userId?: unknown } | null)?.userId === '') throw new Error('userId is required');
    return parseWebhook(webhook);
  }

  override async handlePaymentWebhook(webhook: PaymentWebhook): Promise<WebhookResult> {
    const event = this.parse(webhook);
    const claim = await this.claim(event);
    if (claim.kind === 'answered') return claim.result;
    return this.work(event, claim.lease);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => EmptyUserIdCrashes.open(options);
