/**
 * Bug: publish walks the topic's live array instead of a snapshot. Unsubscribing is safe (it
 * replaces the array), but subscribe pushes onto the array being walked, so a handler that
 * subscribes someone new hands them the payload that was already being delivered.
 * Rejected by: subscribe-during-publish
 */
import { PubSub as Reference, requireTopic } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  override async publish(topic: string, payload?: unknown): Promise<number> {
    requireTopic('publish', topic);
    // The topic's live collection, not a copy: the walk also reaches whoever joins during it.
    const deliveries: Promise<boolean>[] = [];
    for (const subscription of this.topics.get(topic) ?? []) {
      deliveries.push(new Promise((settle) => this.enqueue(subscription, { payload, settle, next: undefined })));
    }
    const ran = await Promise.all(deliveries);
    return ran.filter(Boolean).length;
  }
}
