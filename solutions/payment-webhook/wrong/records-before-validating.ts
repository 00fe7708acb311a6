/**
 * Bug: records the idempotency key as soon as a payload names one, then validates the rest. A
 * malformed payload is rejected as it should be, but its key is now taken: the provider's
 * corrected delivery of that event is a 422 payload mismatch, and the event is never processed.
 * Violates: invalid-stores-nothing
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

class RecordsBeforeValidating extends WebhookProcessor {
  protected parse(webhook: unknown): PaymentWebhook {
    return parseWebhook(webhook);
  }

  override async handlePaymentWebhook(webhook: PaymentWebhook): Promise<WebhookResult> {
    let event: PaymentWebhook;
    try {
      event = this.parse(webhook);
    } catch (error) {
      // The key was "taken" as soon as the payload named one: a malformed payload still records it.
      const key = (webhook as { idempotencyKey?: unknown } | null)?.idempotencyKey;
      if (error instanceof InvalidWebhookError && typeof key === 'string' && key.length > 0 && key.length <= 255) {
        await this.db.run(
          `INSERT INTO webhook_events
             (idempotency_key, fingerprint, payload, payment_id, state, recovery_point, lease_until, received_at)
           VALUES (?, 'unvalidated', ?, '', 'processing', 'received', 0, ?) ON CONFLICT DO NOTHING`,
          key,
          JSON.stringify(webhook) ?? 'null',
          this.now(),
        );
      }
      throw error;
    }
    const claim = await this.claim(event);
    if (claim.kind === 'answered') return claim.result;
    return this.work(event, claim.lease);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => RecordsBeforeValidating.open(options);
