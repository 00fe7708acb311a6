/**
 * Bug: makes the calls to the subscription service inside a database transaction, "so the
 * attempts and the record commit together". The transaction holds a connection (and, once it
 * writes, the lock) for as long as the other team's API takes, and the kit may run the body again
 * after SQLITE_BUSY, calling the service again.
 * Violates: downstream-outside-transaction
 * Rejected by: downstream-request, model-sequences
 */
import { WebhookProcessor, type Lease, type PaymentWebhook, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class CallsInsideTransaction extends WebhookProcessor {
  protected override createWithRetries(event: PaymentWebhook, lease: Lease) {
    return this.db.transaction(async (tx) => {
      await tx.get('SELECT 1 FROM webhook_events WHERE idempotency_key = ?', lease.key);
      return super.createWithRetries(event, lease);
    });
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => CallsInsideTransaction.open(options);
