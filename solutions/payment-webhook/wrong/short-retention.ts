/**
 * Bug: keeps deduplication records for one hour, as a cache with a TTL would (SET key 1 EX 3600).
 * The provider redelivers for days: a redelivery the next morning is no longer recognised as a
 * duplicate, and only the payment's status keeps it from being processed again.
 * Violates: retention-keeps
 * Rejected by: dedup-retention, purge-boundaries
 */
import { WebhookProcessor, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

const ONE_HOUR_MS = 60 * 60 * 1000;

class ShortRetention extends WebhookProcessor {
  override async purgeExpired(): Promise<number> {
    const { changes } = await this.db.run(
      `DELETE FROM webhook_events WHERE state = 'finished' AND finished_at < ?`,
      this.now() - ONE_HOUR_MS,
    );
    return changes;
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => ShortRetention.open(options);
