/**
 * Bug: awaits the confirmation e-mail as part of the purchase. When the notification service is
 * down, the customer is charged but told the subscription failed, and retries the purchase.
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
  await notificationService.sendSubscriptionConfirmation(record);
  return { ...record, status: 'active', notification: 'sent' };
}
