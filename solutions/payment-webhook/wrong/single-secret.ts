/**
 * Bug: checks only the first v1 signature in the header against only the first configured secret.
 * During a rotation, deliveries signed with the other secret, or listing their signatures in
 * another order, are rejected and the provider's retries pile up.
 * Violates: signature-rotation
 * Rejected by: secret-rotation
 */
import {
  SIGNATURE_HEADER,
  WebhookProcessor,
  headerValue,
  parseSignatureHeader,
  verifySignature,
  type PaymentWebhookOptions,
  type SignedDelivery,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class SingleSecret extends WebhookProcessor {
  protected override verify(delivery: SignedDelivery) {
    const parsed = parseSignatureHeader(headerValue(delivery.headers, SIGNATURE_HEADER) ?? '');
    const firstOnly = parsed && {
      ...delivery,
      headers: { [SIGNATURE_HEADER]: `t=${parsed.timestamp},v1=${parsed.signatures[0]}` },
    };
    return verifySignature(
      firstOnly ?? delivery,
      this.settings.secrets.slice(0, 1),
      this.now(),
      this.settings.toleranceMs,
    );
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => SingleSecret.open(options);
