/**
 * Bug: checks the signature only when the header is present, a shortcut left in "for local
 * testing". Whoever leaves the header out can post any payment as successful and get a
 * subscription for free.
 * Violates: signature-missing
 * Rejected by: rejects-forged-and-tampered
 */
import {
  SIGNATURE_HEADER,
  WebhookProcessor,
  headerValue,
  verifySignature,
  type PaymentWebhookOptions,
  type SignatureVerdict,
  type SignedDelivery,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class OptionalSignature extends WebhookProcessor {
  protected override verify(delivery: SignedDelivery): SignatureVerdict {
    if (!headerValue(delivery.headers, SIGNATURE_HEADER)) return { ok: true };
    return verifySignature(delivery, this.settings.secrets, this.now(), this.settings.toleranceMs);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => OptionalSignature.open(options);
