/**
 * Bug: asks "have I seen this key?" with a SELECT and then INSERTs it, as two statements. Sequential
 * redeliveries (the seeds' triple-delivery test) pass, but deliveries that arrive together all find
 * the key unseen; the primary key stops all but one INSERT, and every other delivery fails with a
 * constraint error (a 500) instead of being answered duplicate or in progress.
 * Violates: exactly-once-concurrent
 * Rejected by: concurrent-deliveries, concurrent-deliveries-across-instances
 */
import { randomUUID } from 'node:crypto';
import {
  WebhookProcessor,
  fingerprint,
  type Claim,
  type PaymentWebhook,
  type PaymentWebhookOptions,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

export class CheckThenInsert extends WebhookProcessor {
  protected override async claim(event: PaymentWebhook): Promise<Claim> {
    const seen = await this.db.get('SELECT 1 FROM webhook_events WHERE idempotency_key = ?', event.idempotencyKey);
    if (seen !== undefined) return super.claim(event);
    const now = this.now();
    const token = randomUUID();
    await this.db.run(
      `INSERT INTO webhook_events
         (idempotency_key, fingerprint, payload, payment_id, state, recovery_point, lease_token, lease_until, received_at)
       VALUES (?, ?, ?, ?, 'processing', 'received', ?, ?, ?)`,
      event.idempotencyKey,
      fingerprint(event),
      JSON.stringify(event),
      event.paymentId,
      token,
      now + this.settings.leaseMs,
      now,
    );
    return { kind: 'owned', lease: { key: event.idempotencyKey, token, recoveryPoint: 'received' } };
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => CheckThenInsert.open(options);
