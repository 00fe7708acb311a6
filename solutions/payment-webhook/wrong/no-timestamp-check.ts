/**
 * Bug: verifies the HMAC but never looks at how old the signed timestamp is. A delivery captured
 * once (from a log, a proxy, a browser extension) stays valid for ever and can be replayed at will.
 * Violates: signature-tolerance
 * Rejected by: rejects-replayed, signature-test-vector
 */
import { WebhookProcessor, verifySignature, type PaymentWebhookOptions, type SignedDelivery } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class NoTimestampCheck extends WebhookProcessor {
  protected override verify(delivery: SignedDelivery) {
    return verifySignature(delivery, this.settings.secrets, this.now(), Number.POSITIVE_INFINITY);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => NoTimestampCheck.open(options);
