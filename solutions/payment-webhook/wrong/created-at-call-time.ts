/**
 * Bug: stamps the local subscription record with the time the last call to the subscription
 * service was made, not the time its answer arrived. With a service that answers at once nobody
 * notices; with a slow one the record claims the subscription existed before the service had
 * created it.
 * Violates: subscription-record
 * Rejected by: downstream-request
 */
import {
  WebhookProcessor,
  type Lease,
  type PaymentWebhook,
  type PaymentWebhookOptions,
  type WebhookResult,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class CreatedAtCallTime extends WebhookProcessor {
  /** When this delivery last called the service, by lease token (the lease is renewed right before each call). */
  private readonly calledAt = new Map<string, number>();

  protected override async renewLease(lease: Lease): Promise<void> {
    await super.renewLease(lease);
    this.calledAt.set(lease.token, this.now());
  }

  protected override async subscribe(event: PaymentWebhook, lease: Lease): Promise<WebhookResult> {
    const result = await super.subscribe(event, lease);
    const at = this.calledAt.get(lease.token);
    this.calledAt.delete(lease.token);
    if (result.outcome === 'processed' && at !== undefined) {
      await this.db.run('UPDATE subscriptions SET created_at = ? WHERE payment_id = ?', at, event.paymentId);
    }
    return result;
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => CreatedAtCallTime.open(options);
