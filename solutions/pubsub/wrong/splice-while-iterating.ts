/**
 * Bug: publish puts the payload in every mailbox, then walks the topic's live array by index to
 * wake each subscriber, while unsubscribe splices that array. A handler that unsubscribes itself
 * during the walk shifts everyone after it one place left, so the walk skips the next subscriber:
 * its payload sits in its mailbox until some later publish happens to wake it.
 * Violates: unsubscribe-inside-handler
 * Rejected by: unsubscribe-during-publish
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
    // Every subscriber gets the payload in its mailbox first, then the walk wakes them one by one.
    const deliveries = subscribers.map(
      (subscription) =>
        new Promise<boolean>((settle) => this.enqueue(subscription, { payload, settle, next: undefined })),
    );
    for (let index = 0; index < subscribers.length; index++) this.wake(subscribers[index]!);
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
