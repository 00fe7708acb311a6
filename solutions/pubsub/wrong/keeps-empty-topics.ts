/**
 * Bug: a topic's entry is never deleted when its last subscriber leaves. Every topic ever used stays
 * in memory: with per-user or per-request topics, a long-running process leaks without bound.
 * Violates: empty-topics-forgotten
 * Rejected by: forgets-empty-topics
 */
import { PubSub as Reference, type Subscription } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  protected override unsubscribe(subscription: Subscription): void {
    super.unsubscribe(subscription);
    // The reference forgets a topic with its last subscriber; this one keeps the empty entry.
    if (!this.topics.has(subscription.topic)) this.topics.set(subscription.topic, new Set());
  }
}
