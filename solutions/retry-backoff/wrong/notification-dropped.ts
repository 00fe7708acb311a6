/**
 * Bug: catches the failed confirmation and forgets it. The subscription succeeds, but the
 * customer never hears about it and nothing records that a message is owed.
 * Rejected by: notification-failure-is-queued, seed-resilience
 */
import { randomUUID } from 'node:crypto';
import { retry, type CreateSubscriptionRequest, type Subscription } from '../index.ts';

export * from '../index.ts';

export async function createSubscriptionWithRetry(request: CreateSubscriptionRequest): Promise<Subscription> {
  const { userId, productId, paymentService, notificationService } = request;
  const idempotencyKey = request.idempotencyKey ?? randomUUID();
  const charge = await retry(() => paymentService.charge({ userId, productId, idempotencyKey }), request.retry);
  const record = { id: randomUUID(), userId, productId, chargeId: charge.chargeId };
  let notification: Subscription['notification'] = 'sent';
  try {
    await notificationService.sendSubscriptionConfirmation(record);
  } catch {
    // "Queued" in name only: nothing is enqueued, so nobody will ever send it.
    notification = 'queued';
  }
  return { ...record, status: 'active', notification };
}
