/**
 * Bug: each subscription keeps a "busy" promise and a delivery awaits it before running, but the
 * delivery claims the lock only after its await. Every publish fired while the handler was idle
 * waited on the same settled promise, so they all wake together and run the handler at once:
 * check-then-act across an await.
 * Rejected by: ordered-delivery-1000, interleavings-match-model
 */
import { PubSub as Reference, requireTopic, type Subscription } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  readonly #busy = new WeakMap<Subscription, Promise<unknown>>();

  override async publish(topic: string, payload?: unknown): Promise<number> {
    requireTopic('publish', topic);
    const snapshot = [...(this.topics.get(topic) ?? [])];
    const ran = await Promise.all(snapshot.map((subscription) => this.#deliver(subscription, payload)));
    return ran.filter(Boolean).length;
  }

  async #deliver(subscription: Subscription, payload: unknown): Promise<boolean> {
    await this.#busy.get(subscription);
    const run = this.handle(subscription, payload);
    this.#busy.set(subscription, run);
    return run;
  }
}
