/**
 * Bug: keeps the first failure's message as the dead letter's lastError (`lastError ||= ...`).
 * The operator deciding whether to replay reads why the service failed an hour ago, not why it
 * is still failing now.
 * Violates: dead-letter-entry
 * Rejected by: dead-letter-queue, dead-letter-replay
 */
import { WebhookProcessor, type Lease, type PaymentWebhook, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class DeadLetterFirstError extends WebhookProcessor {
  protected override async createWithRetries(
    event: PaymentWebhook,
    lease: Lease,
  ): Promise<{ ok: true; subscriptionId: string } | { ok: false; failures: number; lastError: string }> {
    const { subscriptions, clock } = this.settings;
    let lastError = '';
    for (let attempt = 1; ; attempt++) {
      await this.renewLease(lease);
      try {
        const { subscriptionId } = await subscriptions.create(
          { paymentId: event.paymentId, userId: event.userId, amount: event.amount },
          { idempotencyKey: this.subscriptionKey(event) },
        );
        return { ok: true, subscriptionId };
      } catch (error) {
        lastError ||= error instanceof Error ? error.message : String(error);
      }
      if (this.shouldGiveUp(attempt)) return { ok: false, failures: attempt, lastError };
      await clock.sleep(this.retryDelayMs(attempt));
    }
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => DeadLetterFirstError.open(options);
