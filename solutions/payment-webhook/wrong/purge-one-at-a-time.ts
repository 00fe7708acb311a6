/**
 * Bug: deletes expired events in batches of one (a LIMIT meant to keep the daily job's
 * transaction short, with the loop around it forgotten). Each run deletes only the oldest
 * expired event and reports 1: the table grows by every day's events minus one.
 * Violates: purge-deletes-expired
 * Rejected by: purge-boundaries
 */
import { WebhookProcessor, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class PurgeOneAtATime extends WebhookProcessor {
  override async purgeExpired(): Promise<number> {
    const { changes } = await this.db.run(
      `DELETE FROM webhook_events WHERE idempotency_key IN (
         SELECT idempotency_key FROM webhook_events WHERE state = 'finished' AND finished_at < ?
         ORDER BY finished_at LIMIT 1)`,
      this.now() - this.settings.retentionMs,
    );
    return changes;
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => PurgeOneAtATime.open(options);
