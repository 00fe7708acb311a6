/**
 * Bug: unsubscribe is not idempotent. It removes the subscription with splice(indexOf(...), 1), and
 * on a second call indexOf answers -1, so splice(-1, 1) removes whichever subscription is last:
 * someone else stops receiving messages because another component cleaned up twice.
 * Violates: unsubscribe-idempotent
 * Rejected by: unsubscribe-idempotent, interleavings-match-model
 */
import { PubSub as Reference, type Subscription } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  protected override unsubscribe(subscription: Subscription): void {
    if (subscription.active) {
      super.unsubscribe(subscription);
      return;
    }
    // The second call: indexOf answers -1, and splice(-1, 1) takes the topic's last subscriber.
    const subscribers = this.topics.get(subscription.topic);
    const last = [...(subscribers ?? [])].at(-1);
    if (last === undefined) return;
    subscribers!.delete(last);
    if (subscribers!.size === 0) this.topics.delete(subscription.topic);
  }
}
