/**
 * Bug: each subscription chains deliveries on a promise tail, and handler errors are caught on the
 * branch publish waits for, not on the tail itself. After one rejection the tail stays rejected:
 * every later link skips the handler and re-reports the same old error, so the subscriber
 * silently stops receiving anything.
 * Rejected by: handler-errors-isolated, errors-reported
 */
import type { Subscription } from '../index.ts';
import { PubSub as TailChain } from './tail-chain.ts';

export * from '../index.ts';

/** The chain of tail-chain.ts, with the catch on the branch publish awaits instead of the tail. */
export class PubSub extends TailChain {
  protected override link(subscription: Subscription, payload: unknown): Promise<boolean> {
    const link = (this.tails.get(subscription) ?? Promise.resolve()).then(async () => {
      if (!subscription.active) return false;
      await subscription.handler(payload);
      return true;
    });
    this.tails.set(subscription, link);
    return link.catch((error: unknown) => {
      this.report(error, subscription.topic, payload);
      return true;
    });
  }
}
