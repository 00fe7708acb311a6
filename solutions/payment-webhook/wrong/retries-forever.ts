/**
 * Bug: backs off correctly but never gives up, so there is no dead-letter queue. A poison event
 * (or a service that stays down) keeps its delivery retrying for ever, holding its lease, and
 * nobody is told.
 * Violates: retry-max-attempts
 * Rejected by: dead-letter-queue, dead-letter-replay
 */
import { WebhookProcessor, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class RetriesForever extends WebhookProcessor {
  protected override shouldGiveUp(): boolean {
    return false;
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => RetriesForever.open(options);
