/**
 * Bug: checks that the subscription is still active, then yields once (to call handlers "off the
 * publisher's stack") and calls the handler without checking again. An unsubscribe that lands in
 * that gap, from the handler of the same publish or from anywhere, is ignored: the handler is
 * called once more after its unsubscribe() has returned.
 * Violates: no-call-after-unsubscribe
 * Rejected by: unsubscribe-during-publish, interleavings-match-model
 */
import { PubSub as Reference, type Subscription } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  protected override async handle(subscription: Subscription, payload: unknown): Promise<boolean> {
    if (!subscription.active) return false;
    await null; // the check above is stale by the time the handler runs
    try {
      await subscription.handler(payload);
    } catch (error) {
      this.report(error, subscription.topic, payload);
    }
    return true;
  }
}
