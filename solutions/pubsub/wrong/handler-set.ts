/**
 * Bug: keeps each topic's subscribers keyed by handler function. Subscribing the same function
 * twice silently makes one subscription, and both unsubscribe functions remove it: a component
 * mounted twice receives each message once, and the first to unmount silences the other.
 * Violates: same-handler-twice
 * Rejected by: same-handler-twice, interleavings-match-model
 */
import { PubSub as Reference, type Handler, type Unsubscribe } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  override subscribe<Payload = unknown>(topic: string, handler: Handler<Payload>): Unsubscribe {
    const existing = [...(this.topics.get(topic) ?? [])].find((subscription) => subscription.handler === handler);
    if (existing !== undefined) return () => this.unsubscribe(existing);
    return super.subscribe(topic, handler);
  }
}
