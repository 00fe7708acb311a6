/**
 * Bug: replays a dead letter by reading it and running it, and takes it out of the queue only
 * once it succeeded, with nothing marking it as taken in between. Two operators pressing "replay"
 * together both run it, and both call the subscription service.
 * Violates: replay-once
 * Rejected by: dead-letter-replay
 */
import {
  DeadLetterNotFoundError,
  WebhookProcessor,
  type EventRow,
  type PaymentWebhook,
  type PaymentWebhookOptions,
  type WebhookResult,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class ReplayWithoutClaim extends WebhookProcessor {
  override async replayDeadLetter(idempotencyKey: string): Promise<WebhookResult> {
    const row = await this.db.get<EventRow>(
      `SELECT * FROM webhook_events WHERE idempotency_key = ? AND state = 'dead'`,
      idempotencyKey,
    );
    if (row === undefined) throw new DeadLetterNotFoundError(idempotencyKey);
    const event = JSON.parse(row.payload) as PaymentWebhook;
    let lastError = '';
    for (let attempt = 1; ; attempt++) {
      try {
        const { subscriptionId } = await this.settings.subscriptions.create(
          { paymentId: event.paymentId, userId: event.userId, amount: event.amount },
          { idempotencyKey: this.subscriptionKey(event) },
        );
        await this.db.transaction(async (tx) => {
          await tx.run(
            'INSERT INTO subscriptions VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
            subscriptionId,
            event.paymentId,
            event.userId,
            event.amount,
            this.now(),
          );
          await tx.run(
            `UPDATE webhook_events SET state = 'finished', finished_at = ? WHERE idempotency_key = ?`,
            this.now(),
            idempotencyKey,
          );
        });
        return { outcome: 'processed', httpStatus: 200, subscriptionId };
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      }
      if (this.shouldGiveUp(attempt)) {
        await this.db.run(
          `UPDATE webhook_events SET attempts = attempts + ?, last_error = ?, dead_lettered_at = ? WHERE idempotency_key = ?`,
          attempt,
          lastError,
          this.now(),
          idempotencyKey,
        );
        return { outcome: 'dead-lettered', httpStatus: 202, attempts: row.attempts + attempt };
      }
      await this.settings.clock.sleep(this.retryDelayMs(attempt));
    }
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => ReplayWithoutClaim.open(options);
