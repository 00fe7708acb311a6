/**
 * Bug: when a replay fails again, sets the dead letter's attempts to this run's failures instead of
 * adding them up. The queue says an event failed 3 times when it failed 30, and an alert on
 * "attempts > 10" never fires for the payment that keeps failing.
 * Violates: replay
 * Rejected by: dead-letter-replay
 */
import { WebhookProcessor, type Lease, type PaymentWebhookOptions, type WebhookResult } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class ReplayResetsAttempts extends WebhookProcessor {
  protected override async deadLetter(lease: Lease, failures: number, lastError: string): Promise<WebhookResult> {
    await this.db.run('UPDATE webhook_events SET attempts = 0 WHERE idempotency_key = ?', lease.key);
    return super.deadLetter(lease, failures, lastError);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => ReplayResetsAttempts.open(options);
