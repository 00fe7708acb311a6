/**
 * Bug: lower-cases every v1 value before comparing, "to be lenient with providers that send
 * upper-case hex". The README's v1 is the lowercase hex HMAC, compared exactly: a value the
 * provider never sends now verifies, and the comparison no longer says what was received.
 * Violates: signature-valid
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

class AcceptsUppercaseHex extends WebhookProcessor {
  protected override verify(delivery: SignedDelivery): SignatureVerdict {
    const header = headerValue(delivery.headers, SIGNATURE_HEADER);
    const lenient = header?.replace(/(^|,)(\s*v1=)([^,]*)/g, (_match, start: string, name: string, value: string) => {
      return `${start}${name}${value.toLowerCase()}`;
    });
    const headers = lenient === undefined ? {} : { [SIGNATURE_HEADER]: lenient };
    return verifySignature({ ...delivery, headers }, this.settings.secrets, this.now(), this.settings.toleranceMs);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => AcceptsUppercaseHex.open(options);
