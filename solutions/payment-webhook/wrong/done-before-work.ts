/**
 * Bug: marks the key done before doing the work. The INSERT ... ON CONFLICT DO NOTHING closes the
 * race, but a failure (or a crash) after it leaves the key "done" with no subscription: every
 * redelivery is answered "duplicate", and the customer paid for nothing.
 * Rejected by: releases-key-on-failure, in-progress-lease, crash-recovery
 */
import {
  WebhookProcessor,
  fingerprint,
  parseWebhook,
  type PaymentStatus,
  type PaymentWebhook,
  type PaymentWebhookOptions,
  type WebhookResult,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class DoneBeforeWork extends WebhookProcessor {
  override async handlePaymentWebhook(webhook: PaymentWebhook): Promise<WebhookResult> {
    const event = parseWebhook(webhook);
    const now = this.now();
    const { changes } = await this.db.run(
      `INSERT INTO webhook_events
         (idempotency_key, fingerprint, payload, payment_id, state, recovery_point, received_at, finished_at)
       VALUES (?, ?, ?, ?, 'finished', 'received', ?, ?) ON CONFLICT DO NOTHING`,
      event.idempotencyKey,
      fingerprint(event),
      JSON.stringify(event),
      event.paymentId,
      now,
      now,
    );
    if (changes === 0) {
      const row = await this.db.get<{ fingerprint: string }>(
        'SELECT fingerprint FROM webhook_events WHERE idempotency_key = ?',
        event.idempotencyKey,
      );
      return row?.fingerprint === fingerprint(event)
        ? { outcome: 'duplicate', httpStatus: 200 }
        : { outcome: 'conflict', httpStatus: 422, reason: 'payload-mismatch' };
    }
    return this.apply(event);
  }

  private async apply(event: PaymentWebhook): Promise<WebhookResult> {
    const payment = await this.db.get<{ status: PaymentStatus }>(
      'SELECT status FROM payments WHERE payment_id = ?',
      event.paymentId,
    );
    if (!this.advances(payment?.status, event.status))
      return { outcome: 'ignored', httpStatus: 200, reason: 'stale-status' };
    await this.db.run(
      'INSERT INTO payments VALUES (?, ?, ?) ON CONFLICT (payment_id) DO UPDATE SET status = excluded.status',
      event.paymentId,
      event.status,
      this.now(),
    );
    if (event.status !== 'success') return { outcome: 'processed', httpStatus: 200 };
    const { subscriptionId } = await this.settings.subscriptions.create(
      { paymentId: event.paymentId, userId: event.userId, amount: event.amount },
      { idempotencyKey: this.subscriptionKey(event) },
    );
    await this.db.run(
      'INSERT INTO subscriptions VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      subscriptionId,
      event.paymentId,
      event.userId,
      event.amount,
      this.now(),
    );
    return { outcome: 'processed', httpStatus: 200, subscriptionId };
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => DoneBeforeWork.open(options);
