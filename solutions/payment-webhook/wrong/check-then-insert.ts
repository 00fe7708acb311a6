/**
 * Bug: asks "have I seen this key?" with a SELECT and records the key after the work. Sequential
 * redeliveries (the seeds' triple-delivery test) pass, but deliveries that arrive together all
 * find the key unseen before any of them records it: each one calls the subscription service and
 * each one inserts a subscription.
 * Rejected by: concurrent-deliveries, concurrent-deliveries-across-instances
 */
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
  CREATE TABLE IF NOT EXISTS processed_webhooks (idempotency_key TEXT, processed_at INTEGER);
  CREATE TABLE IF NOT EXISTS payments (payment_id TEXT PRIMARY KEY, status TEXT NOT NULL, updated_at INTEGER);
  CREATE TABLE IF NOT EXISTS subscriptions (
    subscription_id TEXT, payment_id TEXT, user_id TEXT, amount INTEGER, created_at INTEGER
  );
`;

class CheckThenInsert extends WebhookProcessor {
  protected override async migrate(): Promise<void> {
    await this.db.exec(SCHEMA);
  }

  override async handlePaymentWebhook(webhook: PaymentWebhook): Promise<WebhookResult> {
    const event = parseWebhook(webhook);
    const seen = await this.db.get('SELECT 1 FROM processed_webhooks WHERE idempotency_key = ?', event.idempotencyKey);
    if (seen !== undefined) return { outcome: 'duplicate', httpStatus: 200 };
    const result = await this.apply(event);
    await this.db.run('INSERT INTO processed_webhooks VALUES (?, ?)', event.idempotencyKey, this.now());
    return result;
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
      { idempotencyKey: event.idempotencyKey },
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

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => CheckThenInsert.open(options);
