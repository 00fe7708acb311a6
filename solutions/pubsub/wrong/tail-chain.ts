/**
 * Bug: each subscription chains deliveries on a promise tail and each publish waits for its link.
 * Order and non-overlap hold, and an unsubscribed handler is skipped, but the skip happens only
 * when the chain reaches the link: behind a handler that never settles, the publishes queued for
 * it wait forever, even after it unsubscribes.
 * Violates: unsubscribe-releases-publishes
 * Rejected by: unsubscribe-releases-queued-publishes, interleavings-match-model
 */
import { PubSub as Reference, requireTopic, type Subscription } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  /** Per subscription, the promise the next delivery waits for. */
  protected readonly tails = new WeakMap<Subscription, Promise<unknown>>();

  override async publish(topic: string, payload?: unknown): Promise<number> {
    requireTopic('publish', topic);
    const snapshot = [...(this.topics.get(topic) ?? [])];
    const ran = await Promise.all(snapshot.map((subscription) => this.link(subscription, payload)));
    return ran.filter(Boolean).length;
  }

  /** Appends this delivery to the subscription's chain; resolves to whether the handler ran. */
  protected link(subscription: Subscription, payload: unknown): Promise<boolean> {
    const link = (this.tails.get(subscription) ?? Promise.resolve()).then(() => this.handle(subscription, payload));
    this.tails.set(subscription, link);
    return link;
  }

  /**
   * Skips a subscription that has ended. The reference needs no such check (it takes deliveries
   * only from a mailbox, which unsubscribe empties); this file calls handle without a mailbox.
   */
  protected override handle(subscription: Subscription, payload: unknown): Promise<boolean> {
    return subscription.active ? super.handle(subscription, payload) : Promise.resolve(false);
  }
}
