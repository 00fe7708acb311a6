/**
 * Bug: reads `t` with `Number()` and checks freshness with `Math.abs(now - t * 1000) > toleranceMs`.
 * For a `t` that is no number (`NaN`, `x1767225600`) that comparison is false, so the timestamp
 * counts as fresh for ever: a signature over such a `t` never goes stale and can be replayed.
 * Violates: signature-valid
 * Rejected by: rejects-forged-and-tampered
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  SIGNATURE_HEADER,
  WebhookProcessor,
  headerValue,
  type PaymentWebhookOptions,
  type SignatureVerdict,
  type SignedDelivery,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class TimestampNotANumber extends WebhookProcessor {
  protected override verify(delivery: SignedDelivery): SignatureVerdict {
    const header = headerValue(delivery.headers, SIGNATURE_HEADER);
    if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing-signature' };
    const entries = header
      .split(',')
      .map((part) => [part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1)]);
    const t = entries.find(([name]) => name === 't')?.[1];
    const signatures = entries.filter(([name, value]) => name === 'v1' && /^[0-9a-f]{64}$/.test(value!));
    if (t === undefined || signatures.length === 0) return { ok: false, reason: 'bad-signature' };
    const seconds = Number(t);
    if (Math.abs(this.now() - seconds * 1000) > this.settings.toleranceMs)
      return { ok: false, reason: 'stale-timestamp' };
    for (const secret of this.settings.secrets) {
      const expected = createHmac('sha256', secret).update(`${seconds}.${delivery.rawBody}`).digest();
      for (const [, value] of signatures) {
        if (timingSafeEqual(Buffer.from(value!, 'hex'), expected)) return { ok: true };
      }
    }
    return { ok: false, reason: 'bad-signature' };
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => TimestampNotANumber.open(options);
