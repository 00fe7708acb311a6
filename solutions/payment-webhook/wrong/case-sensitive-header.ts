/**
 * Bug: reads `headers['payment-signature']` as if header names arrived lower-cased. Behind a proxy
 * or framework that keeps the sender's spelling (`Payment-Signature`), every genuine delivery is
 * rejected as unsigned.
 * Violates: signature-header-name
 * Rejected by: signature-header-any-case
 */
import {
  SIGNATURE_HEADER,
  WebhookProcessor,
  verifySignature,
  type PaymentWebhookOptions,
  type SignatureVerdict,
  type SignedDelivery,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class CaseSensitiveHeader extends WebhookProcessor {
  protected override verify(delivery: SignedDelivery): SignatureVerdict {
    const header = delivery.headers[SIGNATURE_HEADER];
    return verifySignature(
      { ...delivery, headers: header === undefined ? {} : { [SIGNATURE_HEADER]: header } },
      this.settings.secrets,
      this.now(),
      this.settings.toleranceMs,
    );
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => CaseSensitiveHeader.open(options);
