/**
 * Bug: publish resolves to the number of subscribers the topic had when it was called, not the
 * number of handlers it actually reached: payloads discarded because their subscriber unsubscribed
 * first are still counted, so the caller is told a message was delivered when it was not.
 * Violates: publish-counts-deliveries
 * Rejected by: no-delivery-after-unsubscribe, unsubscribe-releases-queued-publishes, interleavings-match-model
 */
import { PubSub as Reference, requireTopic } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  override async publish(topic: string, payload?: unknown): Promise<number> {
    requireTopic('publish', topic);
    const subscribers = this.subscriberCount(topic);
    await super.publish(topic, payload);
    return subscribers;
  }
}
