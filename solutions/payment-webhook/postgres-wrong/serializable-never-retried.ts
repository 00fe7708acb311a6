/**
 * Bug: the claim is a SERIALIZABLE transaction (read the key, insert it when absent) and one that PostgreSQL aborts with a serialization failure (40001) is never run again.
 * Violates: exactly-once-concurrent
 * Rejected by: concurrent-deliveries
 *
 * Why only PostgreSQL: SQLite is always serializable and never reports a serialization failure: a
 * deferred transaction that loses the race gets SQLITE_BUSY, and the kit runs the whole body again,
 * so the second delivery re-reads and finds the key. PostgreSQL's SERIALIZABLE makes the same
 * read-then-insert safe only by aborting the loser (two claims that both read "absent": the second
 * INSERT fails with 40001) and leaves the retry to the caller, so the concurrent delivery rejects
 * (a 500) instead of answering 409 or duplicate (15 of 1000 in the spec's run). SERIALIZABLE is a fine choice on PostgreSQL with a
 * loop that runs the whole transaction again on 40001 and 40P01.
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

class SerializableNeverRetried extends PortableWebhookHandler {
  protected override claim(event: PaymentWebhook): Promise<Claim> {
    const now = this.now();
    const token = randomUUID();
    const leaseUntil = now + this.settings.leaseMs;
    const key = event.idempotencyKey;
    // The bug: no loop around this call for 40001.
    return this.db.transaction(
      async (tx): Promise<Claim> => {
        const row = await tx.get<EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM webhook_events WHERE idempotency_key = ?`,
          key,
        );
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
            result: {
              outcome: 'conflict',
              httpStatus: 409,
              reason: 'in-progress',
              retryAfterMs: row.lease_until - now,
            },
          };
        }
        await tx.run(
          'UPDATE webhook_events SET lease_token = ?, lease_until = ? WHERE idempotency_key = ?',
          token,
          leaseUntil,
          key,
        );
        return { lease: { key, token, recoveryPoint: row.recovery_point } };
      },
      { isolation: 'serializable' },
    );
  }
}

export async function createPaymentWebhookHandler(options: PaymentWebhookOptions): Promise<PaymentWebhookHandler> {
  const handler = new SerializableNeverRetried(readSettings(options));
  await handler.migrate();
  return handler;
}
