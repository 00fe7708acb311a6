/**
 * Bug: a "circuit breaker" nobody asked for: once a handler has failed, its subscription is
 * skipped for every later payload (still subscribed, still counted, never called again). The
 * first failure is reported, and then the subscriber silently goes deaf.
 * Violates: failure-isolated
 * Rejected by: handler-errors-isolated, interleavings-match-model
 */
import { PubSub as Reference, type Subscription } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  readonly #tripped = new WeakSet<Subscription>();

  protected override async handle(subscription: Subscription, payload: unknown): Promise<boolean> {
    if (this.#tripped.has(subscription)) return false;
    try {
      await subscription.handler(payload);
    } catch (error) {
      this.#tripped.add(subscription);
      this.report(error, subscription.topic, payload);
    }
    return true;
  }
}
