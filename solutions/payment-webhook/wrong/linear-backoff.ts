/**
 * Bug: waits baseDelayMs between every attempt instead of doubling the wait. A fixed interval
 * never backs off from a service that is down for minutes: the load it adds stays constant.
 * Violates: retry-backoff
 * Rejected by: exponential-backoff
 */
import { WebhookProcessor, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class LinearBackoff extends WebhookProcessor {
  protected override retryDelayMs(): number {
    return this.settings.baseDelayMs;
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => LinearBackoff.open(options);
