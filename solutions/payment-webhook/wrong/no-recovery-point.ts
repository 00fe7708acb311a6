/**
 * Bug: moves the payment to 'success' in a first transaction and creates the subscription later,
 * but a delivery that takes over an abandoned event (its holder crashed, its lease ran out) does
 * not look at how far the holder got. It starts again from the top, finds the payment already at
 * 'success', ignores its own event, and the subscription is never created.
 * Violates: lease-takeover
 * Rejected by: crash-recovery
 */
import {
  WebhookProcessor,
  type Claim,
  type EventRow,
  type PaymentWebhook,
  type PaymentWebhookOptions,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class NoRecoveryPoint extends WebhookProcessor {
  protected override async claim(event: PaymentWebhook): Promise<Claim> {
    const before = await this.db.get<EventRow>(
      'SELECT * FROM webhook_events WHERE idempotency_key = ?',
      event.idempotencyKey,
    );
    const claim = await super.claim(event);
    // A lease that ran out (a released event has lease_until 0): start over instead of resuming.
    const tookOver = before?.state === 'processing' && before.lease_until > 0;
    if (claim.kind === 'owned' && tookOver) return { ...claim, lease: { ...claim.lease, recoveryPoint: 'received' } };
    return claim;
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => NoRecoveryPoint.open(options);
