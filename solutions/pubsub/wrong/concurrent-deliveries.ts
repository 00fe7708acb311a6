/**
 * Bug: publish hands the payload to every handler at once and waits with Promise.allSettled, which
 * isolates failures but not publishes from each other: when publish is called again before a slow
 * handler finishes, that handler runs twice at once and its effects land out of order.
 * Violates: no-overlap
 * Rejected by: ordered-delivery-1000, interleavings-match-model
 */
import { PubSub as Reference, requireTopic, type Subscription } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  override async publish(topic: string, payload?: unknown): Promise<number> {
    requireTopic('publish', topic);
    const snapshot = [...(this.topics.get(topic) ?? [])];
    await null; // off the publisher's stack, so a handler that publishes cannot jump ahead of this payload
    const ran = await Promise.allSettled(snapshot.map((subscription) => this.handle(subscription, payload)));
    return ran.filter((result) => result.status === 'fulfilled' && result.value).length;
  }

  /**
   * Skips a subscription that has ended. The reference needs no such check (it takes deliveries
   * only from a mailbox, which unsubscribe empties); this file calls handle without a mailbox.
   */
  protected override handle(subscription: Subscription, payload: unknown): Promise<boolean> {
    return subscription.active ? super.handle(subscription, payload) : Promise.resolve(false);
  }
}
