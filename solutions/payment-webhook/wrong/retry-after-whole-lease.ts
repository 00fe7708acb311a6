/**
 * Bug: answers every in-progress conflict with retryAfterMs = leaseMs, the whole lease, instead of
 * the time left on it. The provider waits longer than it needs to and, worse, is told to come back
 * after the lease would already have run out.
 * Violates: lease-conflict
 * Rejected by: in-progress-lease, lease-boundary
 */
import { WebhookProcessor, type Claim, type PaymentWebhook, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class RetryAfterWholeLease extends WebhookProcessor {
  protected override async claim(event: PaymentWebhook): Promise<Claim> {
    const claim = await super.claim(event);
    if (claim.kind === 'answered' && claim.result.outcome === 'conflict' && claim.result.httpStatus === 409) {
      return { kind: 'answered', result: { ...claim.result, retryAfterMs: this.settings.leaseMs } };
    }
    return claim;
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => RetryAfterWholeLease.open(options);
