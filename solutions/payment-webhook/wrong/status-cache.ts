/**
 * Bug: remembers each payment's status in the handler's memory when it writes it, and answers
 * getPaymentStatus from that cache first. On one instance it is right; behind a load balancer an
 * instance keeps reporting the status it last wrote while another instance has moved it on.
 * Violates: state-in-database
 * Rejected by: state-across-instances
 */
import {
  WebhookProcessor,
  type Lease,
  type PaymentStatus,
  type PaymentWebhook,
  type PaymentWebhookOptions,
  type WebhookResult,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class StatusCache extends WebhookProcessor {
  private readonly statuses = new Map<string, PaymentStatus>();

  protected override async applyStatus(event: PaymentWebhook, lease: Lease): Promise<WebhookResult | undefined> {
    const result = await super.applyStatus(event, lease);
    if (result?.outcome !== 'ignored') this.statuses.set(event.paymentId, event.status);
    return result;
  }

  override async getPaymentStatus(paymentId: string): Promise<PaymentStatus | undefined> {
    return this.statuses.get(paymentId) ?? super.getPaymentStatus(paymentId);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => StatusCache.open(options);
