/**
 * Bug: closes the check-then-insert race with a lock that lives in the process: deliveries of one
 * event queue behind each other in a Map of promises before the SELECT and the INSERT. One
 * instance is safe; four instances behind a load balancer each hold their own lock, all find the
 * key unseen, and all but one fail on the primary key with a 500.
 * Violates: exactly-once-concurrent
 * Rejected by: concurrent-deliveries-across-instances
 */
import type { Claim, PaymentWebhook, PaymentWebhookOptions } from '../index.ts';
import { CheckThenInsert } from './check-then-insert.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class ProcessLocalLock extends CheckThenInsert {
  private readonly locks = new Map<string, Promise<unknown>>();

  protected override claim(event: PaymentWebhook): Promise<Claim> {
    const previous = this.locks.get(event.idempotencyKey) ?? Promise.resolve();
    const turn = previous.then(() => super.claim(event));
    this.locks.set(
      event.idempotencyKey,
      turn.catch(() => undefined),
    );
    return turn;
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => ProcessLocalLock.open(options);
