/**
 * Bug: publish waits for its deliveries with Promise.all, and a delivery whose handler failed
 * rejects with the handler's error (after reporting it to onError). Everyone still receives the
 * payload, but the first failure rejects publish: the publisher is told its message failed
 * because one subscriber did.
 * Violates: publish-never-rejects
 * Rejected by: handler-errors-isolated, interleavings-match-model
 */
import { PubSub as Reference, requireTopic, type Subscription } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  readonly #failures = new WeakMap<Subscription, unknown[]>();

  override async publish(topic: string, payload?: unknown): Promise<number> {
    requireTopic('publish', topic);
    const snapshot = [...(this.topics.get(topic) ?? [])];
    const deliveries = snapshot.map(
      (subscription) =>
        new Promise<boolean>((resolve, reject) => {
          const settle = (ran: boolean): void => {
            const failed = this.#failures.get(subscription);
            if (failed !== undefined && failed.length > 0) reject(failed.shift());
            else resolve(ran);
          };
          this.enqueue(subscription, { payload, settle, next: undefined });
        }),
    );
    for (const subscription of snapshot) this.wake(subscription);
    const ran = await Promise.all(deliveries);
    return ran.filter(Boolean).length;
  }

  protected override async handle(subscription: Subscription, payload: unknown): Promise<boolean> {
    try {
      await subscription.handler(payload);
    } catch (error) {
      this.report(error, subscription.topic, payload);
      const failed = this.#failures.get(subscription) ?? [];
      failed.push(error);
      this.#failures.set(subscription, failed);
    }
    return true;
  }
}
