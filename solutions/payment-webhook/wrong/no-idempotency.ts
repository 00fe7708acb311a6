/**
 * Bug: looks the key up only to compare payloads and to wait for a live lease, then treats every
 * delivery of a finished or dead-lettered event as new and runs it again. The status order hides
 * most of it (a second 'success' is ignored), but the provider is answered "ignored" instead of
 * "duplicate", and a redelivered dead letter calls the failing service maxAttempts times more.
 * Violates: duplicate-delivery
 * Rejected by: triple-delivery
 */
import { randomUUID } from 'node:crypto';
import {
  WebhookProcessor,
  fingerprint,
  type Claim,
  type EventRow,
  type PaymentWebhook,
  type PaymentWebhookOptions,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class NoIdempotency extends WebhookProcessor {
  protected override async claim(event: PaymentWebhook): Promise<Claim> {
    const token = randomUUID();
    const now = this.now();
    const rerun = await this.db.transaction(
      async (tx) => {
        const row = await tx.get<EventRow>(
          'SELECT * FROM webhook_events WHERE idempotency_key = ?',
          event.idempotencyKey,
        );
        if (row === undefined || row.fingerprint !== fingerprint(event) || row.state === 'processing') return false;
        await tx.run(
          `UPDATE webhook_events SET state = 'processing', recovery_point = 'received', lease_token = ?, lease_until = ?
           WHERE idempotency_key = ?`,
          token,
          now + this.settings.leaseMs,
          event.idempotencyKey,
        );
        return true;
      },
      { mode: 'immediate' },
    );
    if (rerun) return { kind: 'owned', lease: { key: event.idempotencyKey, token, recoveryPoint: 'received' } };
    return super.claim(event);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => NoIdempotency.open(options);
