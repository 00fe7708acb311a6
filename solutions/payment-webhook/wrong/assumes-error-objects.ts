/**
 * Bug: reads `error.message` from whatever the subscription service rejected with. Clients that
 * reject with a string, or with undefined, make the handler itself throw a TypeError from inside
 * its retry loop: the delivery fails with a 500 instead of being retried and dead-lettered.
 * Violates: non-error-rejections
 * Rejected by: non-error-rejections
 */
import { WebhookProcessor, type Lease, type PaymentWebhook, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class AssumesErrorObjects extends WebhookProcessor {
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
        lastError = (error as Error).message;
      }
      if (this.shouldGiveUp(attempt)) return { ok: false, failures: attempt, lastError };
      await clock.sleep(this.retryDelayMs(attempt));
    }
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => AssumesErrorObjects.open(options);
