/**
 * Bug: each subscription chains deliveries on a promise tail, and handler errors are caught on the
 * branch publish waits for, not on the tail itself. After one rejection the tail stays rejected:
 * every later link skips the handler and re-reports the same old error, so the subscriber
 * silently stops receiving anything.
 * Rejected by: handler-errors-isolated, errors-reported
 */
import { PubSub as Reference, requireTopic, type Subscription } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  readonly #tails = new WeakMap<Subscription, Promise<unknown>>();

  override async publish(topic: string, payload?: unknown): Promise<number> {
    requireTopic('publish', topic);
    const snapshot = [...(this.topics.get(topic) ?? [])];
    const ran = await Promise.all(snapshot.map((subscription) => this.#chain(subscription, payload)));
    return ran.filter(Boolean).length;
  }

  #chain(subscription: Subscription, payload: unknown): Promise<boolean> {
    const link = (this.#tails.get(subscription) ?? Promise.resolve()).then(async () => {
      if (!subscription.active) return false;
      await subscription.handler(payload);
      return true;
    });
    this.#tails.set(subscription, link);
    return link.catch((error: unknown) => {
      this.report(error, subscription.topic, payload);
      return true;
    });
  }
}
