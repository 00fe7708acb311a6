/**
 * Bug: takes a lease to be running while `lease_until >= now`, one millisecond too long. At the
 * instant the lease runs out a redelivery is told to retry after 0 ms instead of taking the event
 * over, so an abandoned event waits one more round of the provider's backoff.
 * Violates: lease-takeover
 * Rejected by: lease-boundary, linearizable-batches, linearizable-across-workers, crash-after-recording
 */
import {
  WebhookProcessor,
  fingerprint,
  type Claim,
  type PaymentWebhook,
  type PaymentWebhookOptions,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class LeaseExpiresLate extends WebhookProcessor {
  protected override async claim(event: PaymentWebhook): Promise<Claim> {
    const now = this.now();
    const row = await this.db.get<{ state: string; lease_until: number; fingerprint: string }>(
      'SELECT state, lease_until, fingerprint FROM webhook_events WHERE idempotency_key = ?',
      event.idempotencyKey,
    );
    if (row?.state === 'processing' && row.fingerprint === fingerprint(event) && row.lease_until === now) {
      return {
        kind: 'answered',
        result: { outcome: 'conflict', httpStatus: 409, reason: 'in-progress', retryAfterMs: 0 },
      };
    }
    return super.claim(event);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => LeaseExpiresLate.open(options);
