/**
 * Bug: publish yields once before reading the topic's subscribers (to avoid re-entering handlers
 * synchronously), so the snapshot is taken too late: a subscriber added just after publish() was
 * called, before its promise resolved, receives a payload published before it existed.
 * Violates: subscribe-during-publish-misses
 * Rejected by: subscribe-during-publish
 */
import { PubSub as Reference } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  override async publish(topic: string, payload?: unknown): Promise<number> {
    // The yield comes before the reference reads the topic's subscribers: too late a snapshot.
    await null;
    return super.publish(topic, payload);
  }
}
