/**
 * Bug: answers a dead-lettered event with 503 ("the service is unavailable") instead of 202. To
 * the provider a 5xx means "not delivered": it redelivers the event for days, and every
 * redelivery is a duplicate of an event already parked in the queue.
 * Violates: result-shape
 * Rejected by: http-status-mapping, dead-letter-queue
 */
import { WebhookProcessor, type Lease, type PaymentWebhookOptions, type WebhookResult } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class DeadLetter503 extends WebhookProcessor {
  protected override async deadLetter(lease: Lease, failures: number, lastError: string): Promise<WebhookResult> {
    const result = await super.deadLetter(lease, failures, lastError);
    return { ...result, httpStatus: 503 } as unknown as WebhookResult;
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => DeadLetter503.open(options);
