/**
 * Bug: counts retention from when the event arrived (received_at), not from when it finished. An
 * event that finished late (retried for a while, or replayed from the dead-letter queue days
 * later) is purged before retentionMs have passed since it finished, and the provider's
 * redelivery inside that window is handled as a new event.
 * Violates: retention-keeps
 * Rejected by: dedup-retention
 */
import { WebhookProcessor, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class RetentionFromArrival extends WebhookProcessor {
  override async purgeExpired(): Promise<number> {
    const { changes } = await this.db.run(
      `DELETE FROM webhook_events WHERE state = 'finished' AND received_at < ?`,
      this.now() - this.settings.retentionMs,
    );
    return changes;
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => RetentionFromArrival.open(options);
