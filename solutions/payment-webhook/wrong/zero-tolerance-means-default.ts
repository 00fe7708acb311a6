/**
 * Bug: accepts toleranceMs 0, then reads it with `||`, so 0 silently becomes the 5-minute default:
 * an operator who asked for "exactly now" (say, for a test) gets a replay window instead.
 * Violates: option-zero-either-way
 * Rejected by: bad-options
 */
import { WebhookProcessor, readSettings, type PaymentWebhookHandler, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class ZeroToleranceMeansDefault extends WebhookProcessor {
  static override async open(options: PaymentWebhookOptions): Promise<PaymentWebhookHandler> {
    const processor = new ZeroToleranceMeansDefault(
      readSettings({ ...options, toleranceMs: options.toleranceMs || 300_000 }),
    );
    await processor.migrate();
    return processor;
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => ZeroToleranceMeansDefault.open(options);
