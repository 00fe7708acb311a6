/**
 * Bug: keeps each topic's subscribers keyed by handler function. Subscribing the same function twice
 * silently makes one subscription, and publish iterates the live map, which also visits entries
 * added during the iteration: a handler subscribed during a publish receives that payload.
 * Rejected by: same-handler-twice, subscribe-during-publish
 */
import type { Handler, Unsubscribe } from '../index.ts';
import { PubSub as LivePublish } from './live-array.ts';

export * from '../index.ts';

/** Subscriptions keyed by handler, walked live as in live-array.ts. */
export class PubSub extends LivePublish {
  override subscribe<Payload = unknown>(topic: string, handler: Handler<Payload>): Unsubscribe {
    const existing = [...(this.topics.get(topic) ?? [])].find((subscription) => subscription.handler === handler);
    if (existing !== undefined) return () => this.unsubscribe(existing);
    return super.subscribe(topic, handler);
  }
}
