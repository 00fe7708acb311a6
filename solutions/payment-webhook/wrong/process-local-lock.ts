/**
 * Bug: closes the check-then-insert race with a lock that lives in the process: deliveries of one
 * event queue behind each other in a Map of promises. One instance is safe; four instances behind
 * a load balancer each hold their own lock, all find the key unseen, and each creates a
 * subscription.
 * Rejected by: concurrent-deliveries-across-instances
 */
import {
  WebhookProcessor,
  parseWebhook,
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

class ProcessLocalLock extends WebhookProcessor {
  private readonly locks = new Map<string, Promise<unknown>>();

  protected override async migrate(): Promise<void> {
    await this.db.exec(SCHEMA);
  }

  override handlePaymentWebhook(webhook: PaymentWebhook): Promise<WebhookResult> {
    const event = parseWebhook(webhook);
    const previous = this.locks.get(event.idempotencyKey) ?? Promise.resolve();
    const turn = previous.then(() => this.checkThenApply(event));
    this.locks.set(
      event.idempotencyKey,
      turn.catch(() => undefined),
    );
    return turn;
  }

  private async checkThenApply(event: PaymentWebhook): Promise<WebhookResult> {
    const seen = await this.db.get('SELECT 1 FROM processed_webhooks WHERE idempotency_key = ?', event.idempotencyKey);
    if (seen !== undefined) return { outcome: 'duplicate', httpStatus: 200 };
    let subscriptionId: string | undefined;
    if (event.status === 'success') {
      ({ subscriptionId } = await this.settings.subscriptions.create(
        { paymentId: event.paymentId, userId: event.userId, amount: event.amount },
        { idempotencyKey: this.subscriptionKey(event) },
      ));
      await this.db.run(
        'INSERT INTO subscriptions VALUES (?, ?, ?, ?, ?)',
        subscriptionId,
        event.paymentId,
        event.userId,
        event.amount,
        this.now(),
      );
    }
    await this.db.run(
      'INSERT INTO payments VALUES (?, ?, ?) ON CONFLICT (payment_id) DO UPDATE SET status = excluded.status',
      event.paymentId,
      event.status,
      this.now(),
    );
    await this.db.run('INSERT INTO processed_webhooks VALUES (?, ?)', event.idempotencyKey, this.now());
    return subscriptionId === undefined
      ? { outcome: 'processed', httpStatus: 200 }
      : { outcome: 'processed', httpStatus: 200, subscriptionId };
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => ProcessLocalLock.open(options);
