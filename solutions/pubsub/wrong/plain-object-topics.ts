/**
 * Bug: topics are keys of a plain object. "__proto__" and "constructor" resolve to
 * Object.prototype and Object, which are not subscriber sets, so subscribing to them throws and
 * counting them answers nonsense: any topic name taken from user input can break the service.
 * Violates: any-string-is-a-topic
 * Rejected by: any-string-is-a-topic, interleavings-match-model
 */
import { PubSub as Reference, requireTopic, type Handler, type Subscription, type Unsubscribe } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  readonly #byTopic: Record<string, Set<Subscription>> = {};

  override subscribe<Payload = unknown>(topic: string, handler: Handler<Payload>): Unsubscribe {
    const subscription = this.createSubscription('subscribe', topic, handler);
    this.#byTopic[topic] ??= new Set();
    this.#byTopic[topic].add(subscription);
    return () => this.unsubscribe(subscription);
  }

  override async publish(topic: string, payload?: unknown): Promise<number> {
    requireTopic('publish', topic);
    const snapshot = [...(this.#byTopic[topic] ?? [])];
    const deliveries = snapshot.map(
      (subscription) =>
        new Promise<boolean>((settle) => this.enqueue(subscription, { payload, settle, next: undefined })),
    );
    for (const subscription of snapshot) this.wake(subscription);
    const ran = await Promise.all(deliveries);
    return ran.filter(Boolean).length;
  }

  override subscriberCount(topic: string): number {
    requireTopic('subscriberCount', topic);
    return this.#byTopic[topic]?.size ?? 0;
  }

  override topicCount(): number {
    return Object.keys(this.#byTopic).length;
  }

  protected override unsubscribe(subscription: Subscription): void {
    if (!subscription.active) return;
    super.unsubscribe(subscription);
    const subscribers = this.#byTopic[subscription.topic]!;
    subscribers.delete(subscription);
    if (subscribers.size === 0) delete this.#byTopic[subscription.topic];
  }
}
