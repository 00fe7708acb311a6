/**
 * Bug: when retentionMs is left out, remembers finished events for one day instead of seven, the
 * default copied from a cache's settings. The provider retries for up to three days: a
 * redelivery on day two is no longer recognised as a duplicate once the daily purge has run.
 * Violates: option-defaults
 * Rejected by: option-defaults, dedup-retention
 */
import { WebhookProcessor, readSettings, type PaymentWebhookHandler, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

class DefaultRetentionOneDay extends WebhookProcessor {
  static override async open(options: PaymentWebhookOptions): Promise<PaymentWebhookHandler> {
    const processor = new DefaultRetentionOneDay(
      readSettings({ ...options, retentionMs: options.retentionMs ?? DAY_MS }),
    );
    await processor.migrate();
    return processor;
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => DefaultRetentionOneDay.open(options);
