/**
 * One app instance in a worker thread, for histories across instances and for crashes mid-call:
 * its own handler over its own connections to the shared file, its own manual clock (set to the
 * main thread's time; it does not move), and its own client for the subscription service (whose
 * ids are a function of the key, so every instance's client agrees). It runs its share of a
 * batch of calls, each started after a seeded number of event-loop turns and stamped with the
 * shared logical clock, and returns how each ended. Calls to the service are also appended to a
 * file as they are made, so a worker that is terminated mid-call still tells what it called.
 */
import { appendFileSync } from 'node:fs';
import { setImmediate } from 'node:timers';
// The kit's own files, not its index: the index brings fast-check into every worker thread.
import { createManualClock } from '../../harness/kit/clock.ts';
import { createRandom } from '../../harness/kit/random.ts';
import { defineWorkerScenario, serializeError, type SerializedError } from '../../harness/kit/workers/scenario.ts';
import { FakeSubscriptionService } from './service.ts';
import type { Mutation } from './histories.ts';
import type * as Kata from './index.ts';

export interface HistoryArgs {
  /** Each worker's calls, by worker index. */
  readonly batches: readonly (readonly Mutation[])[];
  readonly nowMs: number;
  readonly handler: {
    readonly secret: string;
    readonly leaseMs?: number;
    readonly maxAttempts?: number;
    readonly retentionMs?: number;
  };
  readonly maxDelayTurns: number;
  /** Where to append one JSON line per call to the subscription service. */
  readonly callLog: string;
}

export interface RecordedCall {
  readonly mutation: Mutation;
  readonly invokedAt: number;
  readonly returnedAt: number;
  readonly outcome:
    { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: SerializedError };
}

export interface HistoryReport {
  readonly calls: readonly RecordedCall[];
}

export default defineWorkerScenario<typeof Kata, HistoryArgs, HistoryReport>(
  async ({ impl, db, args, workerIndex, seed, tick, start }) => {
    const clock = createManualClock({ startMs: args.nowMs });
    const service = new FakeSubscriptionService(() => clock.now());
    const subscriptions: Kata.SubscriptionService = {
      create(request, options) {
        appendFileSync(
          args.callLog,
          `${JSON.stringify({ worker: workerIndex, request, idempotencyKey: options?.idempotencyKey ?? null })}\n`,
        );
        return service.create(request, options);
      },
    };
    const handler = await impl.createPaymentWebhookHandler({ db, subscriptions, clock, ...args.handler });
    const random = createRandom(seed);
    await start();
    const calls = await Promise.all(
      (args.batches[workerIndex] ?? []).map(async (mutation): Promise<RecordedCall> => {
        const turns = Math.floor(random() * (args.maxDelayTurns + 1));
        for (let turn = 0; turn < turns; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
        const invokedAt = tick();
        let outcome: RecordedCall['outcome'];
        try {
          const value =
            mutation.kind === 'deliver'
              ? await handler.handlePaymentWebhook(mutation.webhook as Kata.PaymentWebhook)
              : mutation.kind === 'replay'
                ? await handler.replayDeadLetter(mutation.key)
                : await handler.purgeExpired();
          outcome = { ok: true, value };
        } catch (error) {
          outcome = { ok: false, error: serializeError(error) };
        }
        return { mutation, invokedAt, returnedAt: tick(), outcome };
      }),
    );
    return { calls };
  },
);
