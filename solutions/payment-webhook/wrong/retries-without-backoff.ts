/**
 * Bug: retries a failing subscription service at once, with no wait between attempts. During an
 * outage every event hammers the service maxAttempts times in the same instant, which is how a
 * retry storm keeps a struggling service down.
 * Violates: retry-backoff
 * Rejected by: exponential-backoff
 */
import { WebhookProcessor, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class RetriesWithoutBackoff extends WebhookProcessor {
  protected override retryDelayMs(): number {
    return 0;
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => RetriesWithoutBackoff.open(options);
