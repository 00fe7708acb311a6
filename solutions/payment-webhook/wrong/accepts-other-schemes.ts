/**
 * Bug: reads every `name=value` entry after `t` as a signature, "so a provider's newer scheme keeps
 * working". The README ignores other schemes: only a `v1` entry may verify a delivery, so a `v0`
 * (an older, weaker scheme on a real provider) now does too.
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

class AcceptsOtherSchemes extends WebhookProcessor {
  protected override verify(delivery: SignedDelivery): SignatureVerdict {
    const header = headerValue(delivery.headers, SIGNATURE_HEADER);
    const renamed = header?.replace(/(^|,)(?!t=)[^,=]+=/g, '$1v1=');
    const headers = renamed === undefined ? {} : { [SIGNATURE_HEADER]: renamed };
    return verifySignature({ ...delivery, headers }, this.settings.secrets, this.now(), this.settings.toleranceMs);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => AcceptsOtherSchemes.open(options);
