/**
 * Bug: answers "in progress" (409) whenever the event is being processed, without looking at the
 * lease's deadline. If the process holding the event crashes, every redelivery is told to come
 * back later, for ever: the provider gives up after three days and the subscription never exists.
 * Rejected by: crash-recovery, downstream-idempotency-key
 */
import { WebhookProcessor, type Claim, type PaymentWebhook, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class LeaseNeverExpires extends WebhookProcessor {
  protected override async claim(event: PaymentWebhook): Promise<Claim> {
    const row = await this.db.get<{ state: string }>(
      'SELECT state FROM webhook_events WHERE idempotency_key = ?',
      event.idempotencyKey,
    );
    if (row?.state === 'processing') {
      return {
        kind: 'answered',
        result: { outcome: 'conflict', httpStatus: 409, reason: 'in-progress', retryAfterMs: this.settings.leaseMs },
      };
    }
    return super.claim(event);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => LeaseNeverExpires.open(options);
