/**
 * Bug: one queue per topic: a publish starts only when the previous publish on the topic has been
 * handled by every subscriber. Order and non-overlap hold, but one slow or stuck subscriber now
 * holds up everyone else on the topic, and unsubscribing it does not release what is queued.
 * Violates: slow-handler-isolated
 * Rejected by: slow-handler-isolated, interleavings-match-model
 */
import { PubSub as Reference, requireTopic, type Subscription } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  readonly #tails = new Map<string, Promise<boolean[]>>();

  override async publish(topic: string, payload?: unknown): Promise<number> {
    requireTopic('publish', topic);
    const snapshot = [...(this.topics.get(topic) ?? [])];
    const previous = this.#tails.get(topic) ?? Promise.resolve();
    const run = previous.then(() => Promise.all(snapshot.map((subscription) => this.handle(subscription, payload))));
    this.#tails.set(topic, run);
    void run.then(() => {
      if (this.#tails.get(topic) === run) this.#tails.delete(topic);
    });
    const ran = await run;
    return ran.filter(Boolean).length;
  }

  /**
   * Skips a subscription that has ended. The reference needs no such check (it takes deliveries
   * only from a mailbox, which unsubscribe empties); this file calls handle without a mailbox.
   */
  protected override handle(subscription: Subscription, payload: unknown): Promise<boolean> {
    return subscription.active ? super.handle(subscription, payload) : Promise.resolve(false);
  }
}
