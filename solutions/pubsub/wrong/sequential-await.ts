/**
 * Bug: publish awaits each subscriber in turn. One slow or stuck handler holds up every subscriber
 * after it, and because each publish runs its own loop, two publishes in flight call the same
 * handler at once, so its invocations overlap and finish out of order.
 * Rejected by: slow-handler-isolated, ordered-delivery-1000
 */
import { PubSub as Reference, requireTopic } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  override async publish(topic: string, payload?: unknown): Promise<number> {
    requireTopic('publish', topic);
    const snapshot = [...(this.topics.get(topic) ?? [])];
    let delivered = 0;
    for (const subscription of snapshot) {
      if (await this.handle(subscription, payload)) delivered++;
    }
    return delivered;
  }
}
