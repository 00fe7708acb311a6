/**
 * Bug: purges by age alone, sparing only events in progress: a dead letter older than retentionMs
 * is deleted before anyone replayed it, and the payment it stood for is lost without a trace.
 * Violates: purge-spares-unfinished
 * Rejected by: purge-boundaries
 */
import { WebhookProcessor, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class PurgeDeletesDeadLetters extends WebhookProcessor {
  override async purgeExpired(): Promise<number> {
    const { changes } = await this.db.run(
      `DELETE FROM webhook_events WHERE state != 'processing' AND COALESCE(finished_at, dead_lettered_at) < ?`,
      this.now() - this.settings.retentionMs,
    );
    return changes;
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => PurgeDeletesDeadLetters.open(options);
