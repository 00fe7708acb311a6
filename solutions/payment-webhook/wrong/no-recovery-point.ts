/**
 * Bug: moves the payment to 'success' in a first transaction and creates the subscription later,
 * but does not record how far it got. After a crash in between, the delivery that takes the event
 * over starts again from the top, finds the payment already at 'success', ignores its own event,
 * and the subscription is never created.
 * Rejected by: crash-recovery
 */
import { WebhookProcessor, type Lease, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class NoRecoveryPoint extends WebhookProcessor {
  protected override work(event: Parameters<WebhookProcessor['handlePaymentWebhook']>[0], lease: Lease) {
    return super.work(event, { ...lease, recoveryPoint: 'received' });
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => NoRecoveryPoint.open(options);
