/**
 * Bug: publish walks the topic's live array by index while unsubscribe splices it. A handler that
 * unsubscribes itself shifts everyone after it one place left, so the loop skips the next
 * subscriber; and a subscriber added during the walk is reached and gets the payload too.
 * Rejected by: unsubscribe-during-publish, subscribe-during-publish
 */
import { PubSub as Reference, requireTopic, type Handler, type Subscription, type Unsubscribe } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  readonly #lists = new Map<string, Subscription[]>();

  override subscribe<Payload = unknown>(topic: string, handler: Handler<Payload>): Unsubscribe {
    const subscription = this.createSubscription('subscribe', topic, handler);
    const subscribers = this.#lists.get(topic) ?? [];
    subscribers.push(subscription);
    this.#lists.set(topic, subscribers);
    return () => this.unsubscribe(subscription);
  }

  override async publish(topic: string, payload?: unknown): Promise<number> {
    requireTopic('publish', topic);
    const subscribers = this.#lists.get(topic) ?? [];
    const deliveries: Promise<boolean>[] = [];
    for (let index = 0; index < subscribers.length; index++) {
      const subscription = subscribers[index]!;
      deliveries.push(new Promise((settle) => this.enqueue(subscription, { payload, settle, next: undefined })));
    }
    const ran = await Promise.all(deliveries);
    return ran.filter(Boolean).length;
  }

  override subscriberCount(topic: string): number {
    requireTopic('subscriberCount', topic);
    return this.#lists.get(topic)?.length ?? 0;
  }

  override topicCount(): number {
    return this.#lists.size;
  }

  protected override unsubscribe(subscription: Subscription): void {
    if (!subscription.active) return;
    super.unsubscribe(subscription);
    const subscribers = this.#lists.get(subscription.topic)!;
    subscribers.splice(subscribers.indexOf(subscription), 1);
    if (subscribers.length === 0) this.#lists.delete(subscription.topic);
  }
}
