/**
 * Bug: computes the HMAC over the raw body alone, not over `${t}.${rawBody}`. Its own tests pass
 * (they sign the same way), but no genuine delivery verifies, and if the provider did sign that
 * way the timestamp would not be covered, so a captured delivery could be re-dated at will.
 * Violates: signature-valid
 * Rejected by: signature-test-vector, rejects-forged-and-tampered
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
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

class HmacWithoutTimestamp extends WebhookProcessor {
  protected override verify(delivery: SignedDelivery): SignatureVerdict {
    const header = headerValue(delivery.headers, SIGNATURE_HEADER);
    if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing-signature' };
    const parsed = parseSignatureHeader(header);
    if (parsed === undefined) return { ok: false, reason: 'bad-signature' };
    if (Math.abs(this.now() - parsed.timestamp * 1000) > this.settings.toleranceMs) {
      return { ok: false, reason: 'stale-timestamp' };
    }
    for (const secret of this.settings.secrets) {
      const expected = createHmac('sha256', secret).update(delivery.rawBody).digest();
      for (const signature of parsed.signatures) {
        const given = Buffer.from(signature, 'hex');
        if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
      }
    }
    return { ok: false, reason: 'bad-signature' };
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => HmacWithoutTimestamp.open(options);
