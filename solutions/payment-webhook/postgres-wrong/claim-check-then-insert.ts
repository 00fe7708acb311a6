/**
 * Bug: the claim reads the key with a plain SELECT and INSERTs it when absent, a read-then-write that READ COMMITTED does not make atomic.
 * Violates: exactly-once-concurrent
 * Rejected by: concurrent-deliveries
 *
 * Why only PostgreSQL: on SQLite the transaction is deferred, one writer commits at a time, and the
 * kit runs the body again when another writer committed between its read and its write
 * (SQLITE_BUSY_SNAPSHOT), so the second delivery re-reads and finds the key. At READ COMMITTED both
 * deliveries read "absent" and neither waits for the other: the second INSERT fails with 23505
 * (unique_violation) and that delivery rejects, a 500, instead of answering 409 or duplicate (the
 * spec measured 15 of 1000 concurrent deliveries failing). Two takeovers of one expired lease would
 * likewise both read it expired and both take it.
 * The fix is the reference's: `INSERT ... ON CONFLICT DO NOTHING`, then `SELECT ... FOR UPDATE`.
 */
import { randomUUID } from 'node:crypto';
import type {
  PaymentWebhook,
  PaymentWebhookHandler,
  PaymentWebhookOptions,
} from '../../../katas/payment-webhook/stub.ts';
import {
  DUPLICATE,
  EVENT_COLUMNS,
  MISMATCH,
  PortableWebhookHandler,
  fingerprint,
  readSettings,
  type Claim,
  type EventRow,
} from '../postgres/portable.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../postgres/portable.ts';

class CheckThenInsert extends PortableWebhookHandler {
  protected override claim(event: PaymentWebhook): Promise<Claim> {
    const now = this.now();
    const token = randomUUID();
    const leaseUntil = now + this.settings.leaseMs;
    const key = event.idempotencyKey;
    return this.transaction(async (tx): Promise<Claim> => {
      const row = await tx.get<EventRow>(`SELECT ${EVENT_COLUMNS} FROM webhook_events WHERE idempotency_key = ?`, key);
      if (row === undefined) {
        await tx.run(
          `INSERT INTO webhook_events
             (idempotency_key, fingerprint, payload, state, recovery_point, lease_token, lease_until, received_at)
           VALUES (?, ?, ?, 'processing', 'received', ?, ?, ?)`,
          key,
          fingerprint(event),
          JSON.stringify(event),
          token,
          leaseUntil,
          now,
        );
        return { lease: { key, token, recoveryPoint: 'received' } };
      }
      if (row.fingerprint !== fingerprint(event)) return { result: MISMATCH };
      if (row.state !== 'processing') return { result: DUPLICATE };
      if (row.lease_until > now) {
        return {
          result: { outcome: 'conflict', httpStatus: 409, reason: 'in-progress', retryAfterMs: row.lease_until - now },
        };
      }
      await tx.run(
        'UPDATE webhook_events SET lease_token = ?, lease_until = ? WHERE idempotency_key = ?',
        token,
        leaseUntil,
        key,
      );
      return { lease: { key, token, recoveryPoint: row.recovery_point } };
    });
  }
}

export async function createPaymentWebhookHandler(options: PaymentWebhookOptions): Promise<PaymentWebhookHandler> {
  const handler = new CheckThenInsert(readSettings(options));
  await handler.migrate();
  return handler;
}
