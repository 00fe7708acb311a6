/**
 * Bug: stamps the local subscription record with the time the event was first received, not the
 * time the subscription service answered. Once a call was retried (or the event was replayed from
 * the dead-letter queue days later), the record claims the subscription existed before it did.
 * Violates: subscription-record
 * Rejected by: downstream-request
 */
import {
  WebhookProcessor,
  type Lease,
  type PaymentWebhook,
  type PaymentWebhookOptions,
  type WebhookResult,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class CreatedAtClaimTime extends WebhookProcessor {
  protected override async subscribe(event: PaymentWebhook, lease: Lease): Promise<WebhookResult> {
    const row = await this.db.get<{ received_at: number }>(
      'SELECT received_at FROM webhook_events WHERE idempotency_key = ?',
      lease.key,
    );
    const result = await super.subscribe(event, lease);
    if (result.outcome === 'processed' && row !== undefined) {
      await this.db.run(
        'UPDATE subscriptions SET created_at = ? WHERE payment_id = ?',
        row.received_at,
        event.paymentId,
      );
    }
    return result;
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => CreatedAtClaimTime.open(options);
