/**
 * Bug: trusts the lease instead of checking, at each write, that it still holds it, and the
 * subscriptions table has a surrogate key and no unique constraint on payment_id. A delivery that
 * pauses past its lease (GC, VM migration, a slow call) wakes up after another delivery finished
 * the event and writes a second subscription record.
 * Violates: stale-holder
 * Rejected by: stale-lease-holder
 */
import { SCHEMA, WebhookProcessor, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

const SUBSCRIPTIONS_WITHOUT_CONSTRAINTS = `
  CREATE TABLE IF NOT EXISTS subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    amount INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
`;

class NoFencing extends WebhookProcessor {
  protected override async migrate(): Promise<void> {
    await this.db.exec(SUBSCRIPTIONS_WITHOUT_CONSTRAINTS + SCHEMA);
  }

  protected override async assertLease(): Promise<void> {}

  protected override async renewLease(): Promise<void> {}
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => NoFencing.open(options);
