/**
 * Bug: validates the topic with a truthiness test, `if (!topic) throw ...`, so the empty string,
 * a perfectly good topic, is refused as if it were missing.
 * Violates: any-string-is-a-topic
 * Rejected by: any-string-is-a-topic, interleavings-match-model
 */
import { PubSub as Reference, type Handler, type Unsubscribe } from '../index.ts';

export * from '../index.ts';

function requirePresent(method: string, topic: unknown): void {
  if (!topic) throw new TypeError(`PubSub.${method}: topic is required, received ${JSON.stringify(topic)}`);
}

export class PubSub extends Reference {
  override subscribe<Payload = unknown>(topic: string, handler: Handler<Payload>): Unsubscribe {
    requirePresent('subscribe', topic);
    return super.subscribe(topic, handler);
  }

  override publish(topic: string, payload?: unknown): Promise<number> {
    try {
      requirePresent('publish', topic);
    } catch (error) {
      return Promise.reject(error);
    }
    return super.publish(topic, payload);
  }

  override subscriberCount(topic: string): number {
    requirePresent('subscriberCount', topic);
    return super.subscriberCount(topic);
  }
}
