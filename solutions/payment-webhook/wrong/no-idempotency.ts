/**
 * Bug: treats every delivery as a new event. The provider's redeliveries each call the
 * subscription service with a fresh request id and each insert a subscription, so one payment
 * delivered three times gives the customer three subscriptions.
 * Rejected by: triple-delivery, concurrent-deliveries, concurrent-deliveries-across-instances
 */
import { randomUUID } from 'node:crypto';
import {
  WebhookProcessor,
  parseWebhook,
  type PaymentStatus,
  type PaymentWebhook,
  type PaymentWebhookOptions,
  type WebhookResult,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS payments (payment_id TEXT PRIMARY KEY, status TEXT NOT NULL, updated_at INTEGER);
  CREATE TABLE IF NOT EXISTS subscriptions (
    subscription_id TEXT, payment_id TEXT, user_id TEXT, amount INTEGER, created_at INTEGER
  );
`;

class NoIdempotency extends WebhookProcessor {
  protected override async migrate(): Promise<void> {
    await this.db.exec(SCHEMA);
  }

  override async handlePaymentWebhook(webhook: PaymentWebhook): Promise<WebhookResult> {
    const event = parseWebhook(webhook);
    const payment = await this.db.get<{ status: PaymentStatus }>(
      'SELECT status FROM payments WHERE payment_id = ?',
      event.paymentId,
    );
    // A redelivered 'success' is not "backwards", so it is applied again.
    if (payment !== undefined && this.advances(event.status, payment.status)) {
      return { outcome: 'ignored', httpStatus: 200, reason: 'stale-status' };
    }
    await this.db.run(
      'INSERT INTO payments VALUES (?, ?, ?) ON CONFLICT (payment_id) DO UPDATE SET status = excluded.status',
      event.paymentId,
      event.status,
      this.now(),
    );
    if (event.status !== 'success') return { outcome: 'processed', httpStatus: 200 };
    const { subscriptionId } = await this.settings.subscriptions.create(
      { paymentId: event.paymentId, userId: event.userId, amount: event.amount },
      { idempotencyKey: randomUUID() },
    );
    await this.db.run(
      'INSERT INTO subscriptions VALUES (?, ?, ?, ?, ?)',
      subscriptionId,
      event.paymentId,
      event.userId,
      event.amount,
      this.now(),
    );
    return { outcome: 'processed', httpStatus: 200, subscriptionId };
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => NoIdempotency.open(options);
