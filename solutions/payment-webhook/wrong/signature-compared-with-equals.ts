/**
 * Bug: compares the expected and the received signature with ===. String comparison stops at the
 * first differing character, so the time it takes leaks how much of a guess is right, and an
 * attacker who can time enough requests can build a valid signature byte by byte.
 * Violates: signature-timing-safe
 * Rejected by: constant-time-comparison
 */
import { createHmac } from 'node:crypto';
import {
  SIGNATURE_HEADER,
  WebhookProcessor,
  headerValue,
  parseSignatureHeader,
  type PaymentWebhookOptions,
  type SignatureVerdict,
  type SignedDelivery,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class SignatureComparedWithEquals extends WebhookProcessor {
  protected override verify(delivery: SignedDelivery): SignatureVerdict {
    const header = headerValue(delivery.headers, SIGNATURE_HEADER);
    if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing-signature' };
    const parsed = parseSignatureHeader(header);
    if (parsed === undefined) return { ok: false, reason: 'bad-signature' };
    if (Math.abs(this.now() - parsed.timestamp * 1000) > this.settings.toleranceMs) {
      return { ok: false, reason: 'stale-timestamp' };
    }
    for (const secret of this.settings.secrets) {
      const expected = createHmac('sha256', secret).update(`${parsed.timestamp}.${delivery.rawBody}`).digest('hex');
      if (parsed.signatures.some((signature) => signature === expected)) return { ok: true };
    }
    return { ok: false, reason: 'bad-signature' };
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) =>
  SignatureComparedWithEquals.open(options);
