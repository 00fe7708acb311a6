/**
 * Bug: applies whatever status arrives last. Webhooks are not ordered, so a late 'pending'
 * overwrites a 'success' and a late 'failed' marks a paid order as failed.
 * Violates: status-forward
 * Rejected by: no-status-downgrade, status-order-property
 */
import { WebhookProcessor, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class StatusDowngrade extends WebhookProcessor {
  protected override advances(): boolean {
    return true;
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => StatusDowngrade.open(options);
