/**
 * Bug: queues the failed confirmation and then rethrows its error, so the customer is charged and
 * queued a receipt but told the subscription failed, and buys it again.
 * Violates: subscription-result
 * Rejected by: notification-failure-is-queued, seed-resilience
 */
import {
  createSubscriptionWithRetry as correctCreateSubscription,
  type CreateSubscriptionRequest,
  type Subscription,
} from '../index.ts';

export * from '../index.ts';

export async function createSubscriptionWithRetry(request: CreateSubscriptionRequest): Promise<Subscription> {
  let failure: { error: unknown } | undefined;
  const { notificationQueue } = request;
  const subscription = await correctCreateSubscription({
    ...request,
    notificationQueue: {
      enqueue: async (job) => {
        await notificationQueue.enqueue(job);
        failure = { error: job.error };
      },
    },
  });
  if (failure) throw failure.error;
  return subscription;
}
