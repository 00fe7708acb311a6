/**
 * Bug: the status phase reads the payment's status with a plain SELECT, decides in JavaScript and then overwrites it, a lost update at READ COMMITTED.
 * Violates: status-forward
 * Rejected by: linearizable-batches
 *
 * Why only PostgreSQL: on SQLite the read and the write are in one deferred transaction, and a
 * writer that committed in between makes the kit run the body again (SQLITE_BUSY_SNAPSHOT), so the
 * decision is always taken on the status it overwrites. At READ COMMITTED two events of one payment
 * both read the old status (readers never wait for writers), both decide to move it, and the
 * second upsert overwrites the first: a 'pending' that read "no status" lands after 'success'.
 * The fix is the reference's compare-and-set (`ON CONFLICT DO UPDATE ... WHERE payments.rank <
 * EXCLUDED.rank`), or locking the payment's row before reading it.
 */
import type {
  PaymentStatus,
  PaymentWebhook,
  PaymentWebhookHandler,
  PaymentWebhookOptions,
  WebhookResult,
} from '../../../katas/payment-webhook/stub.ts';
import { IGNORED, PortableWebhookHandler, RANK, readSettings, type Lease } from '../postgres/portable.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../postgres/portable.ts';

class StatusReadThenWrite extends PortableWebhookHandler {
  protected override applyStatus(event: PaymentWebhook, lease: Lease): Promise<WebhookResult | undefined> {
    const now = this.now();
    return this.transaction(async (tx) => {
      await this.fence(tx, lease);
      const payment = await tx.get<{ status: PaymentStatus }>(
        'SELECT status FROM payments WHERE payment_id = ?',
        event.paymentId,
      );
      if (payment !== undefined && RANK[event.status] <= RANK[payment.status]) {
        await this.finish(tx, lease, now);
        return IGNORED;
      }
      await tx.run(
        `INSERT INTO payments (payment_id, status, rank, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (payment_id) DO UPDATE
           SET status = EXCLUDED.status, rank = EXCLUDED.rank, updated_at = EXCLUDED.updated_at`,
        event.paymentId,
        event.status,
        RANK[event.status],
        now,
      );
      if (event.status !== 'success') {
        await this.finish(tx, lease, now);
        return { outcome: 'processed', httpStatus: 200 } as const;
      }
      await tx.run(`UPDATE webhook_events SET recovery_point = 'status-applied' WHERE idempotency_key = ?`, lease.key);
      return undefined;
    });
  }
}

export async function createPaymentWebhookHandler(options: PaymentWebhookOptions): Promise<PaymentWebhookHandler> {
  const handler = new StatusReadThenWrite(readSettings(options));
  await handler.migrate();
  return handler;
}
