/**
 * Bug: checks that numeric options are numbers above zero, not that they are safe integers. A
 * leaseMs of Infinity holds a crashed event for ever, a fraction of a millisecond or a number too
 * large to count in slips in from a mistyped config, and nothing says so until leases and
 * retries misbehave.
 * Violates: options-rejected
 * Rejected by: bad-options
 */
import { WebhookProcessor, readSettings, type PaymentWebhookHandler, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

const NUMBERS = ['leaseMs', 'maxAttempts', 'baseDelayMs', 'retentionMs', 'toleranceMs'] as const;

/** Above zero but not a safe integer: what the loose check lets through. */
const loose = (value: unknown): value is number =>
  typeof value === 'number' && value > 0 && !Number.isSafeInteger(value);

class UncheckedOptions extends WebhookProcessor {
  static override async open(options: PaymentWebhookOptions): Promise<PaymentWebhookHandler> {
    const strict = Object.fromEntries(NUMBERS.map((name) => [name, loose(options[name]) ? undefined : options[name]]));
    const accepted = Object.fromEntries(
      NUMBERS.filter((name) => loose(options[name])).map((name) => [name, options[name]]),
    );
    const processor = new UncheckedOptions({ ...readSettings({ ...options, ...strict }), ...accepted });
    await processor.migrate();
    return processor;
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => UncheckedOptions.open(options);
