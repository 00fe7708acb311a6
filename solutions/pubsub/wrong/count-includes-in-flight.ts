/**
 * Bug: an unsubscribed subscription leaves its topic only once its call in progress has finished,
 * so subscriberCount and topicCount still count it while its last call runs. Delivery is right; the
 * numbers a leak detector or a health check reads are not.
 * Violates: counts-match-subscriptions
 * Rejected by: interleavings-match-model
 */
import { PubSub as Reference, type Delivery, type Subscription } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  readonly #leaving = new WeakSet<Subscription>();

  protected override unsubscribe(subscription: Subscription): void {
    const busy = subscription.active && subscription.draining;
    super.unsubscribe(subscription);
    if (!busy) return;
    // Busy: deliveries stop now, but the subscription stays in its topic until its loop ends.
    let subscribers = this.topics.get(subscription.topic);
    if (subscribers === undefined) this.topics.set(subscription.topic, (subscribers = new Set()));
    subscribers.add(subscription);
    this.#leaving.add(subscription);
  }

  protected override async drain(subscription: Subscription): Promise<void> {
    await super.drain(subscription);
    if (!this.#leaving.has(subscription)) return;
    this.#leaving.delete(subscription);
    const subscribers = this.topics.get(subscription.topic);
    subscribers?.delete(subscription);
    if (subscribers?.size === 0) this.topics.delete(subscription.topic);
  }

  /** The subscription stays in its topic after unsubscribe, so a publish may still pick it: discard. */
  protected override enqueue(subscription: Subscription, delivery: Delivery): void {
    if (subscription.active) super.enqueue(subscription, delivery);
    else delivery.settle(false);
  }
}
