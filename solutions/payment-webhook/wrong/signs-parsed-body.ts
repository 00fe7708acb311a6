/**
 * Bug: verifies the signature over JSON.stringify(JSON.parse(body)) instead of the raw body, as
 * frameworks that parse JSON before the handler invite. Any body the provider formatted
 * differently from JSON.stringify (indentation, key order, \u escapes, 4900.0) fails verification,
 * and those deliveries are rejected for ever.
 * Violates: signature-raw-body
 * Rejected by: verifies-raw-body
 */
import { WebhookProcessor, verifySignature, type PaymentWebhookOptions, type SignedDelivery } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class SignsParsedBody extends WebhookProcessor {
  protected override verify(delivery: SignedDelivery) {
    let body = delivery.rawBody;
    try {
      body = JSON.stringify(JSON.parse(delivery.rawBody));
    } catch {
      // Not JSON: verify what arrived.
    }
    return verifySignature(
      { ...delivery, rawBody: body },
      this.settings.secrets,
      this.now(),
      this.settings.toleranceMs,
    );
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => SignsParsedBody.open(options);
