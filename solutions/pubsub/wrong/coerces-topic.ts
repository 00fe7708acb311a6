/**
 * Bug: converts the topic with String() instead of checking it, so subscribe(undefined, fn)
 * quietly subscribes to the topic "undefined" and publish(42) publishes to "42": the faulty call
 * succeeds, and the mistake surfaces far away as messages nobody receives.
 * Violates: bad-topic-rejected
 * Rejected by: rejects-bad-arguments, interleavings-match-model
 */
import { PubSub as Reference, type Handler, type Unsubscribe } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  override subscribe<Payload = unknown>(topic: string, handler: Handler<Payload>): Unsubscribe {
    return super.subscribe(String(topic), handler);
  }

  override publish(topic: string, payload?: unknown): Promise<number> {
    return super.publish(String(topic), payload);
  }

  override subscriberCount(topic: string): number {
    return super.subscriberCount(String(topic));
  }
}
