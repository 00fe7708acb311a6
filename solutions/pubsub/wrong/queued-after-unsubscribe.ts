/**
 * Bug: unsubscribe only removes the subscription from its topic. Payloads already in its mailbox,
 * and payloads an earlier handler's publish is still handing out, are delivered anyway, so a
 * component that unsubscribed in its cleanup keeps being called after it is gone; and publishes
 * queued behind a stuck handler wait for it forever.
 * Rejected by: no-delivery-after-unsubscribe, unsubscribe-during-publish, unsubscribe-releases-queued-publishes
 */
import { PubSub as Reference, type Subscription } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  /** Leaves the topic, but the subscription stays active and its mailbox is kept. */
  protected override unsubscribe(subscription: Subscription): void {
    const subscribers = this.topics.get(subscription.topic);
    subscribers?.delete(subscription);
    if (subscribers?.size === 0) this.topics.delete(subscription.topic);
  }
}
