/**
 * Bug: each subscription keeps a "busy" promise and a delivery awaits it before running, but the
 * delivery claims the lock only after its await. Every publish fired while the handler was idle
 * waited on the same settled promise, so they all wake together and run the handler at once:
 * check-then-act across an await.
 * Violates: no-overlap
 * Rejected by: ordered-delivery-1000, interleavings-match-model
 */
import type { Subscription } from '../index.ts';
import { PubSub as TailChain } from './tail-chain.ts';

export * from '../index.ts';

/** The per-subscription promise of tail-chain.ts used as a lock, claimed one await too late. */
export class PubSub extends TailChain {
  protected override async link(subscription: Subscription, payload: unknown): Promise<boolean> {
    await this.tails.get(subscription);
    const run = this.handle(subscription, payload);
    this.tails.set(subscription, run);
    return run;
  }
}
