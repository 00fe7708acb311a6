/**
 * Bug: checks that `clock` has `now()` and not that it has `sleep()`. A clock without `sleep` is
 * accepted, and the handler fails only at the first retry, long after start-up, in the middle of
 * a delivery.
 * Violates: options-rejected
 * Rejected by: bad-options
 */
import { WebhookProcessor, type PaymentWebhookHandler, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

const NO_SLEEP = async (): Promise<void> => {
  throw new TypeError('clock.sleep is not a function');
};

class ClockHalfChecked extends WebhookProcessor {
  static override async open(options: PaymentWebhookOptions): Promise<PaymentWebhookHandler> {
    const clock = options?.clock;
    const usable = typeof clock?.now === 'function' && typeof clock.sleep !== 'function';
    return super.open(usable ? { ...options, clock: { now: () => clock.now(), sleep: NO_SLEEP } } : options);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => ClockHalfChecked.open(options);
