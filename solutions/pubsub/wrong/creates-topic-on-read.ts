/**
 * Bug: publish and subscriberCount look topics up with a get-or-create helper, so merely asking
 * about a topic, or publishing to one nobody listens to, stores it forever.
 * Violates: empty-topics-forgotten
 * Rejected by: forgets-empty-topics
 */
import { PubSub as Reference, type Subscription } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  override publish(topic: string, payload?: unknown): Promise<number> {
    if (typeof topic === 'string') this.#subscribersOf(topic);
    return super.publish(topic, payload);
  }

  override subscriberCount(topic: string): number {
    const count = super.subscriberCount(topic);
    this.#subscribersOf(topic);
    return count;
  }

  #subscribersOf(topic: string): Set<Subscription> {
    let subscribers = this.topics.get(topic);
    if (subscribers === undefined) this.topics.set(topic, (subscribers = new Set()));
    return subscribers;
  }
}
