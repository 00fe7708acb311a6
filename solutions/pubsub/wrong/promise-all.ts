/**
 * Bug: publish calls every handler and awaits Promise.all of their results. The first rejection
 * rejects publish although the other handlers succeeded, a synchronous throw inside the map stops
 * the handlers after it from ever being called, and onError is never told anything.
 * Rejected by: handler-errors-isolated, errors-reported
 */
import { PubSub as Reference, requireTopic } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  override async publish(topic: string, payload?: unknown): Promise<number> {
    requireTopic('publish', topic);
    const snapshot = [...(this.topics.get(topic) ?? [])];
    await Promise.all(snapshot.map((subscription) => subscription.handler(payload)));
    return snapshot.length;
  }
}
