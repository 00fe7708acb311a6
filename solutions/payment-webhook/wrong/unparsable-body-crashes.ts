/**
 * Bug: parses the verified body with a bare JSON.parse. A genuinely signed body that is not JSON
 * throws a SyntaxError, which the route turns into a 500 and the provider retries for days,
 * instead of an InvalidWebhookError for `body`.
 * Violates: body-not-json
 * Rejected by: malformed-payloads
 */
import {
  WebhookProcessor,
  type PaymentWebhook,
  type PaymentWebhookOptions,
  type SignedDelivery,
  type WebhookResult,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class UnparsableBodyCrashes extends WebhookProcessor {
  override async receiveWebhook(delivery: SignedDelivery): Promise<WebhookResult> {
    const verdict = this.verify(delivery);
    if (!verdict.ok) return { outcome: 'rejected', httpStatus: 401, reason: verdict.reason };
    return this.handlePaymentWebhook(JSON.parse(delivery.rawBody) as PaymentWebhook);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => UnparsableBodyCrashes.open(options);
