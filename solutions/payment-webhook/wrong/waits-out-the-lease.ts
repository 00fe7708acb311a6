/**
 * Bug: when processing fails it rethrows (so the provider gets a 500 and redelivers) but keeps
 * holding the event until its lease runs out. The redelivery a moment later is told "in progress"
 * (409), and so is the next one, until the provider's backoff happens to outlast the lease.
 * Violates: failure-releases
 * Rejected by: releases-key-on-failure, model-faults
 */
import { WebhookProcessor, type PaymentWebhookOptions } from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class WaitsOutTheLease extends WebhookProcessor {
  protected override async release(): Promise<void> {
    // Nothing: the lease will expire on its own.
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => WaitsOutTheLease.open(options);
