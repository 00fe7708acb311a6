/**
 * Bug: rejects a failed payment with the gateway's last error instead of the RetryError, so the
 * caller cannot tell a declined card tried once from a gateway that failed twelve times.
 * Violates: payment-failure-rejects
 * Rejected by: payment-decline-not-retried, subscription-model
 */
import {
  createSubscriptionWithRetry as correctCreateSubscription,
  type CreateSubscriptionRequest,
  type Subscription,
} from '../index.ts';

export * from '../index.ts';

import { RetryError } from '../index.ts';

export async function createSubscriptionWithRetry(request: CreateSubscriptionRequest): Promise<Subscription> {
  try {
    return await correctCreateSubscription(request);
  } catch (error) {
    throw error instanceof RetryError ? error.cause : error;
  }
}
