/**
 * Bug: treats a lease as held until its holder gives it back, never looking at its deadline. A
 * failure releases the event as it should, but if the process holding it crashes, every
 * redelivery is told to come back later, for ever: the provider gives up after three days and the
 * subscription never exists.
 * Violates: lease-takeover
 * Rejected by: crash-recovery, downstream-idempotency-key, worker-crash-recovery, crash-after-recording
 */
import {
  WebhookProcessor,
  fingerprint,
  type Claim,
  type PaymentWebhook,
  type PaymentWebhookOptions,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class LeaseNeverExpires extends WebhookProcessor {
  protected override async claim(event: PaymentWebhook): Promise<Claim> {
    const row = await this.db.get<{ state: string; lease_until: number; fingerprint: string }>(
      'SELECT state, lease_until, fingerprint FROM webhook_events WHERE idempotency_key = ?',
      event.idempotencyKey,
    );
    const held = row?.state === 'processing' && row.lease_until > 0 && row.fingerprint === fingerprint(event);
    if (held && row.lease_until <= this.now()) {
      return {
        kind: 'answered',
        result: { outcome: 'conflict', httpStatus: 409, reason: 'in-progress', retryAfterMs: 1 },
      };
    }
    return super.claim(event);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => LeaseNeverExpires.open(options);
