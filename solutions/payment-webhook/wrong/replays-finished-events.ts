/**
 * Bug: replays any event it knows, not only the ones in the dead-letter queue. An operator who
 * replays an event that already finished runs it again: the subscription service is called again
 * and the answer is "processed" instead of DeadLetterNotFoundError.
 * Violates: replay-not-found
 * Rejected by: dead-letter-replay
 */
import { WebhookProcessor, type PaymentWebhookOptions, type WebhookResult } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class ReplaysFinishedEvents extends WebhookProcessor {
  override async replayDeadLetter(idempotencyKey: string): Promise<WebhookResult> {
    await this.db.run(
      `UPDATE webhook_events SET state = 'dead' WHERE idempotency_key = ? AND state = 'finished'`,
      idempotencyKey,
    );
    return super.replayDeadLetter(idempotencyKey);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => ReplaysFinishedEvents.open(options);
