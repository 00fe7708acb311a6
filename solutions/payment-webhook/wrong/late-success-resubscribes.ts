/**
 * Bug: on a 'success' event for a payment that is already 'success', "makes sure" the
 * subscription exists by calling the subscription service again before answering ignored. The
 * shared key keeps it from creating a second one, but every late or duplicated success event of
 * the provider becomes a call to another team's API that nothing asked for.
 * Violates: success-only-subscribes
 * Rejected by: no-status-downgrade
 */
import {
  WebhookProcessor,
  type Lease,
  type PaymentWebhook,
  type PaymentWebhookOptions,
  type WebhookResult,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class LateSuccessResubscribes extends WebhookProcessor {
  protected override async applyStatus(event: PaymentWebhook, lease: Lease): Promise<WebhookResult | undefined> {
    const result = await super.applyStatus(event, lease);
    if (result?.outcome === 'ignored' && event.status === 'success') {
      await this.settings.subscriptions
        .create(
          { paymentId: event.paymentId, userId: event.userId, amount: event.amount },
          { idempotencyKey: this.subscriptionKey(event) },
        )
        .catch(() => undefined);
    }
    return result;
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => LateSuccessResubscribes.open(options);
