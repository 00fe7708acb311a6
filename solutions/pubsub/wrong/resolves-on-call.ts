/**
 * Bug: each delivery is marked done as soon as its handler has been called, not once the handler
 * has finished with it: publish resolves while an async handler is still saving the order.
 * Counting and ordering are right; only the waiting is missing.
 * Violates: publish-waits-for-handlers
 * Rejected by: publish-waits-for-handlers, interleavings-match-model
 */
import { PubSub as Reference, type Subscription } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  protected override async drain(subscription: Subscription): Promise<void> {
    subscription.draining = true;
    for (let delivery = this.takeNext(subscription); delivery !== undefined; delivery = this.takeNext(subscription)) {
      const handled = this.handle(subscription, delivery.payload);
      delivery.settle(true); // before the handler is done: it was only called
      await handled;
    }
    subscription.draining = false;
  }
}
