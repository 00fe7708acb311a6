/**
 * Bug: records each delivery in the events table (an "inbox") before checking its signature. A
 * forged delivery that guesses a real event id poisons it: the genuine delivery that follows is a
 * payload mismatch or a duplicate, and is never processed. Anyone can block your payments.
 * Violates: signature-before-storing
 * Rejected by: rejects-forged-and-tampered
 */
import {
  WebhookProcessor,
  parseWebhook,
  type PaymentWebhook,
  type PaymentWebhookOptions,
  type SignedDelivery,
  type WebhookResult,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class StoresBeforeVerifying extends WebhookProcessor {
  override async receiveWebhook(delivery: SignedDelivery): Promise<WebhookResult> {
    let event: PaymentWebhook;
    try {
      event = parseWebhook(JSON.parse(delivery.rawBody));
    } catch {
      // Not a valid event: nothing to record, so the usual path answers (verify, then reject the body).
      return super.receiveWebhook(delivery);
    }
    const claim = await this.claim(event);
    const verdict = this.verify(delivery);
    if (!verdict.ok) return { outcome: 'rejected', httpStatus: 401, reason: verdict.reason };
    if (claim.kind === 'answered') return claim.result;
    return this.work(event, claim.lease);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => StoresBeforeVerifying.open(options);
