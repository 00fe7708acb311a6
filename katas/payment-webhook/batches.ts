/**
 * Small concurrent batches for the linearizability checks, each prepared by a short sequential
 * prefix (run against the model, so the batch starts from known states):
 *
 * - different events of one payment delivered together;
 * - two or three takeovers of the same expired lease (its holder hung in the service);
 * - a replay of a dead letter racing deliveries of it, and a second replay;
 * - a purge racing deliveries of an expired event and of a new one.
 */
import fc from 'fast-check';
import { show } from '../../harness/kit/index.ts';
import { deliver, DEFAULT_OPTIONS, type Answer, type ModelOptions, type Webhook } from './model.ts';
import { Explorer } from './explorer.ts';
import type { Mutation } from './histories.ts';
import { fail, hang } from './service.ts';
import { step, type RunSetup, type RunState } from './sequences.ts';
import { World } from './world.ts';
import type * as Kata from './index.ts';

type Impl = typeof Kata;

export type BatchKind = 'same-payment' | 'takeovers' | 'replay-vs-delivery' | 'purge-vs-delivery';

export interface BatchCase {
  readonly kind: BatchKind;
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly retentionMs: number;
  /** The payment's events: [0] is the one the prefix prepares (success for takeovers and replays). */
  readonly events: readonly Webhook[];
  /** Which events the batch delivers (indices into events), beyond the kind's own calls. */
  readonly extra: readonly number[];
  /** The instance (0 or 1) each call of the batch runs on. */
  readonly instances: readonly number[];
  /** purge-vs-delivery: move exactly to the retention boundary (0) or 1 ms past it. */
  readonly past: 0 | 1;
}

const statuses = fc.constantFrom<Webhook['status']>('pending', 'failed', 'success');

const KINDS: readonly BatchKind[] = ['same-payment', 'takeovers', 'replay-vs-delivery', 'purge-vs-delivery'];

/** One round: a batch of each kind, drawn with the same parameters, so every kind runs every round. */
export const batchRoundArbitrary: fc.Arbitrary<readonly BatchCase[]> = fc
  .record({
    leaseMs: fc.oneof(fc.integer({ min: 1, max: 60_000 }), fc.constant(DEFAULT_OPTIONS.leaseMs)),
    maxAttempts: fc.integer({ min: 1, max: 3 }),
    retentionMs: fc.integer({ min: 1, max: 3 * 24 * 60 * 60 * 1000 }),
    paymentId: fc.constantFrom('pay_1', 'PAY_1', 'päy_🧾'),
    others: fc.array(statuses, { minLength: 1, maxLength: 3 }),
    amounts: fc.array(fc.constantFrom(1, 4900, Number.MAX_SAFE_INTEGER), { minLength: 4, maxLength: 4 }),
    extra: fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 2 }),
    instances: fc.array(fc.nat({ max: 1 }), { minLength: 4, maxLength: 4 }),
    past: fc.constantFrom<0 | 1>(0, 1),
  })
  .map(({ paymentId, others, amounts, extra, ...rest }) =>
    KINDS.map((kind): BatchCase => {
      const first: Webhook['status'] =
        kind === 'takeovers' || kind === 'replay-vs-delivery' ? 'success' : (others[0] ?? 'success');
      const events = [first, ...others].map((status, index): Webhook => ({
        paymentId,
        status,
        amount: amounts[index]!,
        userId: 'user_1',
        idempotencyKey: `evt_${index}`,
      }));
      return { kind, events, extra: extra.map((index) => index % events.length), ...rest };
    }),
  );

export function describeBatchCase(batch: BatchCase): string {
  const events = batch.events.map((event) => `${event.idempotencyKey} ${event.status} ${event.amount}`).join(', ');
  return `${batch.kind} (leaseMs ${batch.leaseMs}, maxAttempts ${batch.maxAttempts}, retentionMs ${batch.retentionMs}; events ${events})`;
}

export function handlerOptionsOf(batch: BatchCase, secret: string) {
  return { secret, leaseMs: batch.leaseMs, maxAttempts: batch.maxAttempts, retentionMs: batch.retentionMs };
}

export function modelOptionsOf(batch: BatchCase): ModelOptions {
  return { ...DEFAULT_OPTIONS, leaseMs: batch.leaseMs, maxAttempts: batch.maxAttempts, retentionMs: batch.retentionMs };
}

/**
 * Runs the batch's prefix on `world` (sequentially, each step checked against the model) and
 * returns the model's states after it with the batch's calls.
 */
export async function prepareBatch(
  impl: Impl,
  world: World,
  batch: BatchCase,
  secret: string,
): Promise<{ readonly explorer: Explorer; readonly mutations: readonly Mutation[] }> {
  const explorer = new Explorer(modelOptionsOf(batch), impl as unknown as Record<string, unknown>);
  const setup: RunSetup = {
    options: {
      leaseMs: batch.leaseMs,
      maxAttempts: batch.maxAttempts,
      baseDelayMs: undefined,
      retentionMs: batch.retentionMs,
      toleranceMs: undefined,
    },
    secret,
    universe: { events: batch.events, paymentIds: [batch.events[0]!.paymentId] },
  };
  const state: RunState = {
    explorer,
    run: { world, setup, impl, paymentIds: new Set([batch.events[0]!.paymentId]), active: true },
  };
  const [first] = batch.events as [Webhook];
  const prefixDelivery = (webhook: Webhook, answers: readonly Answer[]) =>
    step(
      state,
      0,
      `preparing the batch: delivering ${show(webhook.idempotencyKey)}:`,
      answers,
      (handler) => handler.handlePaymentWebhook(webhook),
      (candidate, now, context) => deliver(candidate, webhook, now, context),
      webhook.idempotencyKey,
    );
  const deliveries = (indices: readonly number[]): Mutation[] =>
    indices.map((index) => ({ kind: 'deliver', webhook: batch.events[index]! }));

  switch (batch.kind) {
    case 'same-payment':
      return { explorer, mutations: deliveries([...new Set([0, ...batch.extra, batch.events.length - 1])]) };
    case 'takeovers': {
      await prefixDelivery(first, [hang as Answer]);
      const leaseEnd = explorer.first.events[first.idempotencyKey]?.leaseEnd ?? world.clock.now();
      await world.clock.advance(Math.max(0, leaseEnd - world.clock.now()));
      return { explorer, mutations: [...deliveries([0, 0]), ...deliveries(batch.extra.slice(0, 1))] };
    }
    case 'replay-vs-delivery': {
      await prefixDelivery(
        first,
        Array.from({ length: batch.maxAttempts }, () => fail() as Answer),
      );
      const replayOf: Mutation = { kind: 'replay', key: first.idempotencyKey, paymentId: first.paymentId };
      return {
        explorer,
        mutations: [
          replayOf,
          ...deliveries([0, ...batch.extra.slice(0, 1)]),
          ...(batch.extra.length > 1 ? [replayOf] : []),
        ],
      };
    }
    case 'purge-vs-delivery': {
      await prefixDelivery(first, []);
      const finishedAt = explorer.first.events[first.idempotencyKey]?.finishedAt ?? world.clock.now();
      await world.clock.advance(Math.max(0, finishedAt + batch.retentionMs + batch.past - world.clock.now()));
      return {
        explorer,
        mutations: [
          { kind: 'purge' },
          ...deliveries([0, ...batch.extra.slice(0, 1)]),
          ...(batch.extra.length > 1 ? [{ kind: 'purge' } as const] : []),
        ],
      };
    }
  }
}

/** Runs one mutation on a handler. */
export function perform(handler: Kata.PaymentWebhookHandler, mutation: Mutation): Promise<unknown> {
  if (mutation.kind === 'deliver') return handler.handlePaymentWebhook(mutation.webhook as Kata.PaymentWebhook);
  if (mutation.kind === 'replay') return handler.replayDeadLetter(mutation.key);
  return handler.purgeExpired();
}
