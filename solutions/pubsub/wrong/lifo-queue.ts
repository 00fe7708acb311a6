/**
 * Bug: the mailbox is drained with pop() instead of shift(). Nothing overlaps and nothing is lost,
 * but a backlog is handled newest first: payload 1000 is handled before payload 2.
 * Violates: ordered-per-subscription
 * Rejected by: ordered-delivery-1000, interleavings-match-model
 */
import { PubSub as Reference, type Delivery, type Subscription } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  /** The newest delivery instead of the oldest: the mailbox's pop() where shift() belonged. */
  protected override takeNext(subscription: Subscription): Delivery | undefined {
    let previous: Delivery | undefined;
    let newest = subscription.first;
    while (newest?.next !== undefined) {
      previous = newest;
      newest = newest.next;
    }
    if (newest === undefined) return undefined;
    if (previous === undefined) subscription.first = undefined;
    else previous.next = undefined;
    subscription.last = previous;
    return newest;
  }
}
