/**
 * One app instance of the cross-instance check, run in each worker thread: its own handler over
 * its own connections to the shared database file, its own clock and its own client for the
 * subscription service, then `deliveries` concurrent deliveries of one event.
 */
import { createManualClock } from '../../harness/kit/clock.ts';
import { defineWorkerScenario, settleAll } from '../../harness/kit/workers/scenario.ts';
import type * as Kata from './index.ts';

export interface InstanceArgs {
  readonly webhook: Kata.PaymentWebhook;
  readonly deliveries: number;
  readonly secret: string;
}

export interface InstanceReport {
  /** "outcome httpStatus reason" per delivery, or "error <code>: <message>". */
  readonly answers: readonly string[];
  /** Idempotency keys of this instance's calls to the subscription service. */
  readonly calls: readonly string[];
}

export default defineWorkerScenario<typeof Kata, InstanceArgs, InstanceReport>(
  async ({ impl, db, args, workerIndex, start }) => {
    const calls: string[] = [];
    const subscriptions: Kata.SubscriptionService = {
      async create(_request, options) {
        calls.push(String(options?.idempotencyKey));
        return { subscriptionId: `sub_instance${workerIndex + 1}_${calls.length}` };
      },
    };
    const handler = await impl.createPaymentWebhookHandler({
      db,
      subscriptions,
      clock: createManualClock(),
      secret: args.secret,
    });
    await start();
    const settled = await settleAll(
      Array.from({ length: args.deliveries }, () => handler.handlePaymentWebhook(args.webhook)),
    );
    const answers = settled.map((entry) =>
      entry.status === 'fulfilled'
        ? [entry.value.outcome, entry.value.httpStatus, (entry.value as { reason?: string }).reason]
            .filter((part) => part !== undefined)
            .join(' ')
        : `error ${entry.error.code ?? entry.error.name}: ${entry.error.message}`,
    );
    return { answers, calls };
  },
);
