/**
 * Bug: reports a rejection with .catch() on the handler's promise, then waits for it with
 * .finally() on that same promise. finally() returns a new promise that rejects again with the
 * same error, and nobody handles that one: every rejecting handler, although reported, also
 * surfaces as an unhandled rejection, which crashes Node by default.
 * Violates: no-unhandled-rejection
 * Rejected by: no-unhandled-rejections, interleavings-match-model
 */
import { PubSub as Reference, type Subscription } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  protected override handle(subscription: Subscription, payload: unknown): Promise<boolean> {
    let result: Promise<unknown>;
    try {
      result = Promise.resolve(subscription.handler(payload));
    } catch (error) {
      this.report(error, subscription.topic, payload);
      return Promise.resolve(true);
    }
    result.catch((error: unknown) => this.report(error, subscription.topic, payload));
    return new Promise<boolean>((resolve) => {
      void result.finally(() => resolve(true)); // this promise rejects, unhandled
    });
  }
}
