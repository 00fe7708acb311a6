/**
 * Bug: publish drops the payload into each subscriber's mailbox and starts that subscriber's
 * handler in the same step, one subscriber after the other. A handler that publishes from inside
 * runs before the later subscribers have the outer payload, so they receive the inner payload
 * first: publish order is broken for everyone after the handler that published.
 * Violates: ordered-per-subscription
 * Rejected by: reentrant-publish-order
 */
import { PubSub as Reference, requireTopic } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  override publish(topic: string, payload?: unknown): Promise<number> {
    try {
      requireTopic('publish', topic);
    } catch (error) {
      return Promise.reject(error);
    }
    const snapshot = [...(this.topics.get(topic) ?? [])];
    if (snapshot.length === 0) return Promise.resolve(0);
    return new Promise<number>((resolve) => {
      let waiting = snapshot.length;
      let handled = 0;
      const settle = (ran: boolean): void => {
        if (ran) handled++;
        if (--waiting === 0) resolve(handled);
      };
      for (const subscription of snapshot) {
        // An earlier subscriber's handler may have removed this one already: it gets nothing, so
        // the only rule broken here is the order.
        if (!subscription.active) {
          settle(false);
          continue;
        }
        this.enqueue(subscription, { payload, settle, next: undefined });
        this.wake(subscription); // too early: the subscribers after this one do not have the payload yet
      }
    });
  }
}
