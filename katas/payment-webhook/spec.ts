/**
 * The payment-webhook spec. It reads as: the rules (kata.json `rules`, each shown in README.md by
 * its id), the model of them (model.ts), the words and values runs are drawn from and the commands
 * (sequences.ts), then the checks:
 *
 * - model checks: generated sequences over the whole API through two app instances, against the
 *   model, with options drawn from their whole range, without and with database failures and
 *   crashes between any two statements (sequences.ts, explorer.ts);
 * - linearizability of small concurrent batches of every kind of call, in one process and across
 *   worker-thread instances (batches.ts, histories.ts); an instance terminated mid-delivery;
 * - the headline races: 1000 deliveries of one event, in one process and across four instances;
 * - named scenarios a candidate can read, each about one part of the README.
 *
 * Each check says which rules it proves; a failure's first line says what happened.
 */
import fc from 'fast-check';
import crypto from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import {
  checkLinearizable,
  createHistory,
  defineSpec,
  expectError,
  expectOutcome,
  expectValue,
  runCommands,
  satisfies,
  settle,
  show,
  startStaggered,
  valueDifference,
  type Outcome,
} from '../../harness/kit/index.ts';
import { createTestDatabase } from '../../harness/kit/db/index.ts';
import { createSharedClock, runWorkers, runWorkersWithCrash } from '../../harness/kit/workers/index.ts';
import type { InstanceArgs, InstanceReport } from './app-instance.ts';
import { batchRoundArbitrary, describeBatchCase, handlerOptionsOf, perform, prepareBatch } from './batches.ts';
import { readAll, readsDifference, Explorer, type Reads } from './explorer.ts';
import type { HistoryArgs, HistoryReport } from './history-instance.ts';
import { historyModel, markOverlaps, type HistoryInput, type Mutation } from './histories.ts';
import { DEFAULT_OPTIONS, deliver, interruptedDelivery, type Candidate, type Webhook } from './model.ts';
import {
  FAULT_COMMANDS,
  FIRST_FAULT_STEPS,
  FIRST_STEPS,
  FIXED_SETUP,
  MALFORMED_CASES,
  SEQUENCE_COMMANDS,
  forged,
  rejectionFor,
  malformedError,
  malformedPayload,
  setupArbitrary,
  startRun,
} from './sequences.ts';
import { FakeSubscriptionService, callProblems, fail, hang, hold, lost, subscriptionIdFor } from './service.ts';
import { SIGNATURE_HEADER, STRIPE_TEST_VECTOR, signature, signedDelivery, withHeader } from './signing.ts';
import { World, finished, runWithClock, until, type HandlerOptions } from './world.ts';
import type * as Kata from './index.ts';

type Impl = typeof Kata;
type Handler = Kata.PaymentWebhookHandler;
type Result = Kata.WebhookResult;

const SECRET = 'whsec_spec_5a1f0c9e';
const DAY_MS = 24 * 60 * 60 * 1000;
const APP_INSTANCE = fileURLToPath(new URL('./app-instance.ts', import.meta.url));
const HISTORY_INSTANCE = fileURLToPath(new URL('./history-instance.ts', import.meta.url));

function webhook(overrides: Partial<Record<keyof Kata.PaymentWebhook, unknown>> = {}): Kata.PaymentWebhook {
  return {
    paymentId: 'pay_123',
    status: 'success',
    amount: 4900,
    userId: 'user_1',
    idempotencyKey: 'evt_1',
    ...overrides,
  } as Kata.PaymentWebhook;
}

// ---------------------------------------------------------------------------------------------
// Environment

interface Env {
  readonly world: World;
  readonly handler: Handler;
  readonly service: FakeSubscriptionService;
  readonly clock: World['clock'];
  readonly impl: Impl;
}

async function withHandler(
  impl: Impl,
  options: HandlerOptions,
  body: (env: Env) => Promise<void>,
  {
    instances = 1,
    seed = 0,
    maxYields = 0,
    startMs,
  }: { instances?: number; seed?: number; maxYields?: number; startMs?: number } = {},
): Promise<void> {
  const world = await World.create(impl, {
    handler: { secret: SECRET, ...options },
    database: { seed, maxYields },
    instances,
    ...(startMs === undefined ? {} : { startMs }),
  });
  try {
    await body({ world, handler: world.instances[0]!.handler, service: world.service, clock: world.clock, impl });
  } finally {
    await world.close();
  }
}

function shown(result: unknown): string {
  if (typeof result !== 'object' || result === null) return String(result);
  const { outcome, httpStatus, reason } = result as Record<string, unknown>;
  return [outcome, httpStatus, reason].filter((part) => part !== undefined).join(' ');
}

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

/** Resolves to the call's outcome; fails with `what` when it differs from `expected` in any field. */
async function expectCall(
  call: () => Promise<unknown>,
  expected: ReturnType<typeof expectValue> | ReturnType<typeof expectError>,
  what: string,
  impl: Impl,
): Promise<Outcome<unknown>> {
  const outcome = await settle(call);
  expectOutcome(outcome, expected, what, impl as unknown as Record<string, unknown>);
  return outcome;
}

const processed = (subscriptionId?: string) =>
  expectValue(
    subscriptionId === undefined
      ? { outcome: 'processed', httpStatus: 200 }
      : { outcome: 'processed', httpStatus: 200, subscriptionId },
  );
const duplicate = expectValue({ outcome: 'duplicate', httpStatus: 200 });
const ignored = expectValue({ outcome: 'ignored', httpStatus: 200, reason: 'stale-status' });
const mismatch = expectValue({ outcome: 'conflict', httpStatus: 422, reason: 'payload-mismatch' });
const inProgress = (retryAfterMs: number) =>
  expectValue({ outcome: 'conflict', httpStatus: 409, reason: 'in-progress', retryAfterMs });
const rejected = (reason: string) => expectValue({ outcome: 'rejected', httpStatus: 401, reason });
const deadLettered = (attempts: number) => expectValue({ outcome: 'dead-lettered', httpStatus: 202, attempts });
const processedWithSubscription = expectValue({
  outcome: 'processed',
  httpStatus: 200,
  subscriptionId: satisfies('a subscription id', (id) => typeof id === 'string' && id !== ''),
});

/** The subscription the fake service holds for payment `paymentId` (the one it created). */
function createdFor(service: FakeSubscriptionService, paymentId: string): string[] {
  return [...service.created.values()]
    .filter((entry) => entry.paymentId === paymentId)
    .map((entry) => entry.subscriptionId);
}

async function expectNoCallProblems(service: FakeSubscriptionService, after: string): Promise<void> {
  const problems = service.problems();
  expect(problems[0], `after ${after}, the subscription service saw a problem`).toBeUndefined();
}

async function expectNothingStored(env: Env, before: Record<string, unknown>, after: string): Promise<void> {
  const now = await env.world.dump();
  const changed = Object.keys({ ...before, ...now }).filter(
    (table) => JSON.stringify(before[table] ?? []) !== JSON.stringify(now[table] ?? []),
  );
  expect(changed.join(', '), `${after}, these tables changed`).toBe('');
  expect(env.service.calls.length, `${after}, the subscription service was called`).toBe(0);
}

function modelReadsCheck(candidates: readonly Candidate[], reads: Reads, what: string): void {
  const differences = candidates.map((candidate) => readsDifference(candidate, reads));
  if (differences.every((difference) => difference !== undefined)) throw new Error(`${what}: ${differences[0]}`);
}

export default defineSpec<Impl>('payment-webhook', ({ check }) => {
  // -------------------------------------------------------------------------------------------
  // Model checks

  check(
    {
      id: 'model-sequences',
      title:
        'property: any sequence of deliveries, redeliveries, reused keys, forged, stale and malformed deliveries, replays, purges, clock moves and restarts, on two instances, with any options, matches the model call by call',
      item: 'idempotency',
      weight: 5,
      redFlag: 'no-idempotency',
      timeoutMs: 90_000,
      rules: [
        'option-defaults',
        'state-in-database',
        'result-shape',
        'invalid-webhook-error',
        'payload-not-object',
        'payload-status',
        'payload-amount',
        'payload-idempotency-key',
        'payload-ids',
        'invalid-stores-nothing',
        'signature-header-name',
        'signature-missing',
        'signature-valid',
        'signature-rotation',
        'signature-tolerance',
        'signature-raw-body',
        'signature-before-storing',
        'body-not-json',
        'duplicate-delivery',
        'payload-mismatch',
        'retention-keeps',
        'purge-deletes-expired',
        'purge-spares-unfinished',
        'lease-conflict',
        'lease-takeover',
        'status-forward',
        'success-only-subscribes',
        'downstream-request',
        'downstream-key',
        'downstream-outside-transaction',
        'subscription-record',
        'retry-backoff',
        'retry-max-attempts',
        'non-error-rejections',
        'dead-letter-entry',
        'dead-letter-in-database',
        'replay',
        'replay-not-found',
      ],
    },
    async ({ impl, property, seed }) => {
      // One fixed run first: a plain success delivery read back through the other instance.
      await runCommands(() => startRun(impl, FIXED_SETUP, seed), FIRST_STEPS);
      await property(
        fc.asyncProperty(
          setupArbitrary,
          fc.commands(SEQUENCE_COMMANDS, { maxCommands: 24, size: 'medium' }),
          (setup, commands) => runCommands(() => startRun(impl, setup, seed), commands),
        ),
        { numRuns: 15 },
      );
    },
  );

  check(
    {
      id: 'model-faults',
      title:
        'property: a database failure or a crash at any statement of a delivery or a replay leaves a state the README allows, from which redeliveries finish the work exactly once',
      item: 'transactions',
      weight: 4,
      redFlag: 'no-transaction-handling',
      timeoutMs: 90_000,
      rules: [
        'failure-releases',
        'lease-takeover',
        'lease-conflict',
        'duplicate-delivery',
        'downstream-key',
        'replay',
        'dead-letter-entry',
        'dead-letter-in-database',
        'downstream-outside-transaction',
        'downstream-request',
        'non-error-rejections',
        'payload-idempotency-key',
        'payload-ids',
        'replay-not-found',
        'result-shape',
        'retry-backoff',
        'retry-max-attempts',
        'signature-header-name',
        'signature-raw-body',
        'signature-rotation',
        'signature-valid',
        'status-forward',
        'subscription-record',
        'success-only-subscribes',
      ],
    },
    async ({ impl, property, seed }) => {
      // One fixed run first: a success event's second write fails, then the event is redelivered.
      await runCommands(() => startRun(impl, FIXED_SETUP, seed), FIRST_FAULT_STEPS);
      await property(
        fc.asyncProperty(
          setupArbitrary,
          fc.commands(FAULT_COMMANDS, { maxCommands: 20, size: 'medium' }),
          (setup, commands) => runCommands(() => startRun(impl, setup, seed), commands),
        ),
        { numRuns: 15 },
      );
    },
  );

  // -------------------------------------------------------------------------------------------
  // Linearizability

  check(
    {
      id: 'linearizable-batches',
      title:
        'property: deliveries of different events of one payment, takeovers of one expired lease, replays racing deliveries and purges racing deliveries, on two instances at once, are linearizable',
      item: 'race-conditions',
      weight: 3,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 60_000,
      rules: [
        'exactly-once-concurrent',
        'lease-takeover',
        'replay-once',
        'status-forward',
        'purge-deletes-expired',
        'downstream-key',
        'dead-letter-in-database',
        'downstream-outside-transaction',
        'downstream-request',
        'duplicate-delivery',
        'result-shape',
        'retention-keeps',
        'retry-backoff',
        'retry-max-attempts',
        'subscription-record',
      ],
    },
    async ({ impl, property, seed }) => {
      let run = 0;
      await property(
        fc.asyncProperty(batchRoundArbitrary, async (round) => {
          for (const batch of round) {
            run++;
            const world = await World.create(impl, {
              handler: handlerOptionsOf(batch, SECRET),
              database: { seed: seed + run, maxYields: 2 },
              instances: 2,
            });
            try {
              const { explorer, mutations } = await prepareBatch(impl, world, batch, SECRET);
              const now = world.clock.now();
              const callsBefore = world.service.calls.length;
              const history = createHistory<HistoryInput, unknown>();
              await startStaggered(
                mutations.map((mutation, index) => {
                  const instance = batch.instances[index % batch.instances.length]!;
                  const input: HistoryInput = {
                    kind: 'mutation',
                    instance: `instance ${instance + 1}`,
                    mutation,
                    overlapsHolder: false,
                  };
                  return {
                    process: input.instance,
                    run: () =>
                      history.call(input.instance, input, () => perform(world.instances[instance]!.handler, mutation)),
                  };
                }),
                { seed: seed + run, maxDelayTurns: 6 },
              );
              const paymentId = batch.events[0]!.paymentId;
              await history.call('reader', { kind: 'reads', paymentIds: [paymentId], all: true }, () =>
                readAll(world.instances[1]!.handler, [paymentId]),
              );
              const calls = world.service.calls
                .slice(callsBefore)
                .map((call) => ({ ...call, insideTransaction: false }));
              const problems = callProblems([...world.service.calls.slice(0, callsBefore), ...calls]);
              if (problems.length > 0) throw new Error(`${describeBatchCase(batch)}: ${problems[0]}`);
              const keyOfPayment = new Map(
                world.service.calls.map((call) => [call.request.paymentId, String(call.idempotencyKey)]),
              );
              const verdict = checkLinearizable(
                markOverlaps(history.operations),
                historyModel(
                  explorer.candidates,
                  explorer.options,
                  now,
                  keyOfPayment,
                  impl as unknown as Record<string, unknown>,
                  {
                    // purgeExpired touches every payment; without it the history splits by payment.
                    partitioned: !mutations.some((mutation) => mutation.kind === 'purge'),
                  },
                ),
              );
              if (!verdict.ok) throw new Error(`${describeBatchCase(batch)}: ${verdict.message}`);
              const created = createdFor(world.service, paymentId);
              if (created.length > 1)
                throw new Error(`${describeBatchCase(batch)}: the service created ${created.length} subscriptions`);
            } finally {
              await world.close();
            }
          }
        }),
        { numRuns: 5 },
      );
    },
  );

  check(
    {
      id: 'linearizable-across-workers',
      title:
        'property: the same batches, each call made by one of two app instances in worker threads on one database file, are linearizable',
      item: 'load-balancing',
      weight: 2,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 60_000,
      rules: [
        'exactly-once-concurrent',
        'lease-takeover',
        'replay-once',
        'state-in-database',
        'downstream-key',
        'downstream-outside-transaction',
        'downstream-request',
        'duplicate-delivery',
        'subscription-record',
      ],
    },
    async ({ impl, targetFile, seed, runsFactor }) => {
      // Takeovers of one expired lease every time, and one other kind of batch drawn.
      const cases = fc
        .sample(fc.tuple(batchRoundArbitrary, fc.nat({ max: 2 })), { seed, numRuns: runsFactor })
        .flatMap(([round, other]) => [
          round.find((batch) => batch.kind === 'takeovers')!,
          round.filter((batch) => batch.kind !== 'takeovers')[other]!,
        ]);
      const logDir = mkdtempSync(join(tmpdir(), 'kata-webhook-calls-'));
      try {
        for (const [index, batch] of cases.entries()) {
          const world = await World.create(impl, { handler: handlerOptionsOf(batch, SECRET), database: { seed } });
          try {
            const { explorer, mutations } = await prepareBatch(impl, world, batch, SECRET);
            const now = world.clock.now();
            const batches: Mutation[][] = [[], []];
            mutations.forEach((mutation, position) =>
              batches[batch.instances[position % batch.instances.length]!]!.push(mutation),
            );
            if (batches[0]!.length === 0) batches[0]!.push(batches[1]!.pop()!);
            const callLog = join(logDir, `calls-${index}.jsonl`);
            writeFileSync(callLog, '');
            const clock = createSharedClock();
            const reports = await runWorkers<HistoryReport, HistoryArgs>({
              scenarioFile: HISTORY_INSTANCE,
              targetFile,
              databaseFile: world.file,
              workers: 2,
              args: { batches, nowMs: now, handler: handlerOptionsOf(batch, SECRET), maxDelayTurns: 4, callLog },
              seed: seed + index,
              database: { maxYields: 2 },
              clock,
            });
            const history = createHistory<HistoryInput, unknown>();
            reports.forEach((report, worker) => {
              for (const call of report.calls) {
                history.add({
                  process: `instance ${worker + 1}`,
                  input: {
                    kind: 'mutation',
                    instance: `instance ${worker + 1}`,
                    mutation: call.mutation,
                    overlapsHolder: false,
                  },
                  invokedAt: call.invokedAt,
                  returnedAt: call.returnedAt,
                  outcome: call.outcome,
                });
              }
            });
            const paymentId = batch.events[0]!.paymentId;
            const invokedAt = clock.tick();
            const reads = await settle(() => readAll(world.instances[0]!.handler, [paymentId]));
            history.add({
              process: 'reader',
              input: { kind: 'reads', paymentIds: [paymentId], all: true },
              invokedAt,
              returnedAt: clock.tick(),
              outcome: reads,
            });
            const workerCalls = readFileSync(callLog, 'utf8')
              .split('\n')
              .filter((line) => line !== '')
              .map((line) => JSON.parse(line) as { request: Kata.SubscriptionRequest; idempotencyKey: unknown });
            const allCalls = [
              ...world.service.calls,
              ...workerCalls.map((call) => ({ ...call, insideTransaction: false })),
            ];
            const problems = callProblems(allCalls);
            if (problems.length > 0) throw new Error(`${describeBatchCase(batch)} across workers: ${problems[0]}`);
            const keyOfPayment = new Map(allCalls.map((call) => [call.request.paymentId, String(call.idempotencyKey)]));
            const verdict = checkLinearizable(
              markOverlaps(history.operations),
              historyModel(explorer.candidates, explorer.options, now, keyOfPayment, {}, { crossThread: true }),
            );
            if (!verdict.ok) throw new Error(`${describeBatchCase(batch)} across workers: ${verdict.message}`);
          } finally {
            await world.close();
          }
        }
      } finally {
        rmSync(logDir, { recursive: true, force: true });
      }
    },
  );

  check(
    {
      id: 'worker-crash-recovery',
      title:
        'an app instance terminated at any statement of a success delivery leaves a state the README allows; after its lease the redelivery finishes it with one subscription',
      item: 'error-recovery',
      weight: 2,
      redFlag: 'no-transaction-handling',
      timeoutMs: 60_000,
      rules: ['lease-takeover', 'downstream-key', 'exactly-once-concurrent', 'downstream-outside-transaction'],
    },
    async ({ impl, targetFile, seed, runsFactor }) => {
      // Statement 8 comes after the claim has committed in any design that records the event first;
      // the others are drawn.
      const points = [
        { statement: 8, after: false },
        ...fc.sample(fc.record({ statement: fc.integer({ min: 1, max: 18 }), after: fc.boolean() }), {
          seed,
          numRuns: runsFactor,
        }),
      ];
      const logDir = mkdtempSync(join(tmpdir(), 'kata-webhook-crash-'));
      try {
        for (const [index, point] of points.entries()) {
          const leaseMs = 10_000;
          const event = webhook({ paymentId: `pay_crash_${index}`, idempotencyKey: `evt_crash_${index}` });
          const world = await World.create(impl, { handler: { secret: SECRET, leaseMs } });
          try {
            const now = world.clock.now();
            const callLog = join(logDir, `calls-${index}.jsonl`);
            writeFileSync(callLog, '');
            const run = await runWorkersWithCrash<HistoryReport, HistoryArgs>({
              scenarioFile: HISTORY_INSTANCE,
              targetFile,
              databaseFile: world.file,
              workers: 1,
              args: {
                batches: [[{ kind: 'deliver', webhook: event as Webhook }]],
                nowMs: now,
                handler: { secret: SECRET, leaseMs },
                maxDelayTurns: 0,
                callLog,
              },
              seed: seed + index,
              crash: { worker: 0, statement: point.statement, timing: point.after ? 'after' : 'before' },
            });
            const where = `an instance terminated ${point.after ? 'after' : 'before'} its statement #${point.statement} of delivering ${event.idempotencyKey}`;
            const workerCalls = readFileSync(callLog, 'utf8')
              .split('\n')
              .filter((line) => line !== '')
              .map((line) => JSON.parse(line) as { request: Kata.SubscriptionRequest; idempotencyKey: unknown });
            const explorer = new Explorer({ ...DEFAULT_OPTIONS, leaseMs }, impl as unknown as Record<string, unknown>);
            const context = {
              options: explorer.options,
              answers: [],
              subscriptionIdOf: () => subscriptionIdFor(workerCalls[0]?.idempotencyKey),
            };
            explorer.candidates = explorer.candidates.flatMap((candidate) => {
              const complete = deliver(candidate, event as Webhook, now, context);
              return run.crashed === undefined
                ? complete.map((option) => option.next)
                : interruptedDelivery(candidate, event as Webhook, now, explorer.options, complete, 'crashed');
            });
            const reads = await readAll(world.instances[0]!.handler, [event.paymentId]);
            modelReadsCheck(explorer.candidates, reads, `after ${where}`);
            await world.clock.advance(leaseMs);
            const redelivery = await finished(
              () => world.instances[0]!.handler.handlePaymentWebhook(event),
              world.clock,
              'the redelivery',
            );
            expect(
              ['processed 200', 'duplicate 200'],
              `after ${where} and its lease, the redelivery answered ${show(redelivery)}`,
            ).toContain(shown(redelivery));
            const subscriptions = await world.instances[0]!.handler.getSubscriptionsByPaymentId(event.paymentId);
            expect(subscriptions.length, `after ${where} and a redelivery, subscriptions of ${event.paymentId}`).toBe(
              1,
            );
            const allCalls = [
              ...workerCalls.map((call) => ({ ...call, insideTransaction: false })),
              ...world.service.calls,
            ];
            const problems = callProblems(allCalls);
            expect(
              problems[0],
              `after ${where} and a redelivery, the calls to the subscription service`,
            ).toBeUndefined();
            expect(
              subscriptions[0]?.subscriptionId,
              `after ${where}, the recorded subscription is the one the service created`,
            ).toBe(subscriptionIdFor(allCalls[0]?.idempotencyKey));
          } finally {
            await world.close();
          }
        }
      } finally {
        rmSync(logDir, { recursive: true, force: true });
      }
    },
  );

  // -------------------------------------------------------------------------------------------
  // The headline races

  check(
    {
      id: 'concurrent-deliveries',
      title: '1000 concurrent deliveries of one event create one subscription with one call',
      item: 'race-conditions',
      weight: 3,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 30_000,
      rules: ['exactly-once-concurrent'],
    },
    async ({ impl, seed }) => {
      await withHandler(
        impl,
        {},
        async ({ handler, service }) => {
          const results = await Promise.allSettled(
            Array.from({ length: 1000 }, () => handler.handlePaymentWebhook(webhook())),
          );
          const failures = results.filter((result) => result.status === 'rejected');
          expect(
            failures.length,
            `${failures.length} of 1000 concurrent deliveries failed: ${String((failures[0] as PromiseRejectedResult | undefined)?.reason)}`,
          ).toBe(0);
          const subscriptions = (await handler.getSubscriptionsByPaymentId('pay_123')).length;
          expect(subscriptions, `1000 concurrent deliveries of evt_1 created ${subscriptions} subscriptions`).toBe(1);
          expect(
            service.calls.length,
            `1000 concurrent deliveries of evt_1 made ${service.calls.length} calls to the subscription service`,
          ).toBe(1);
          const outcomes = results.map((result) => shown((result as PromiseFulfilledResult<Result>).value));
          const processedCount = outcomes.filter((outcome) => outcome.startsWith('processed')).length;
          expect(processedCount, `${processedCount} of 1000 concurrent deliveries answered "processed"`).toBe(1);
          for (const outcome of new Set(outcomes.filter((outcome) => !outcome.startsWith('processed')))) {
            expect(['duplicate 200', 'conflict 409 in-progress'], 'the answer to the other deliveries').toContain(
              outcome,
            );
          }
        },
        { seed, maxYields: 3 },
      );
    },
  );

  check(
    {
      id: 'concurrent-deliveries-across-instances',
      title: '4 app instances on one database file, 250 deliveries of one event each: one subscription, one call',
      item: 'load-balancing',
      weight: 3,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 30_000,
      rules: ['exactly-once-concurrent'],
    },
    async ({ impl, targetFile, seed }) => {
      const database = createTestDatabase();
      try {
        // Set up the schema through the first instance here, so an untouched stub is "not started".
        const clock = { now: () => Date.UTC(2026, 0, 1), sleep: async () => undefined };
        const handler = await impl.createPaymentWebhookHandler({
          db: database.db,
          subscriptions: new FakeSubscriptionService(clock.now),
          clock,
          secret: SECRET,
        });
        const reports = await runWorkers<InstanceReport, InstanceArgs>({
          scenarioFile: APP_INSTANCE,
          targetFile,
          databaseFile: database.file,
          workers: 4,
          args: { webhook: webhook(), deliveries: 250, secret: SECRET },
          seed,
          database: { maxYields: 2 },
        });
        const answers = reports.flatMap((report) => report.answers);
        const errors = answers.filter((answer) => answer.startsWith('error'));
        expect(errors.length, `${errors.length} of 1000 deliveries on 4 instances failed: ${errors[0]}`).toBe(0);
        const calls = reports.map((report) => report.calls.length);
        const totalCalls = calls.reduce((sum, count) => sum + count, 0);
        expect(
          totalCalls,
          `4 instances x 250 deliveries of evt_1 made ${totalCalls} calls to the subscription service (per instance: ${calls.join(', ')})`,
        ).toBe(1);
        const subscriptions = (await handler.getSubscriptionsByPaymentId('pay_123')).length;
        expect(subscriptions, `4 instances x 250 deliveries of evt_1 created ${subscriptions} subscriptions`).toBe(1);
        const processedCount = answers.filter((answer) => answer.startsWith('processed')).length;
        expect(processedCount, `${processedCount} of 1000 deliveries on 4 instances answered "processed"`).toBe(1);
      } finally {
        await database.close();
      }
    },
  );

  // -------------------------------------------------------------------------------------------
  // Idempotency

  check(
    {
      id: 'triple-delivery',
      title: 'the seeds test: the same webhook delivered three times creates one subscription',
      item: 'idempotency',
      weight: 3,
      redFlag: 'no-idempotency',
      rules: ['duplicate-delivery'],
    },
    async ({ impl }) => {
      await withHandler(impl, {}, async ({ handler, service }) => {
        const first = await handler.handlePaymentWebhook(webhook());
        const id = service.calls[0]?.subscriptionId;
        expectOutcome({ ok: true, value: first }, processed(id), 'the first delivery of evt_1');
        for (const delivery of [2, 3]) {
          await expectCall(
            () => handler.handlePaymentWebhook(webhook()),
            duplicate,
            `delivery #${delivery} of evt_1`,
            impl,
          );
        }
        const subscriptions = (await handler.getSubscriptionsByPaymentId('pay_123')).length;
        expect(subscriptions, `3 deliveries of event evt_1 created ${subscriptions} subscriptions`).toBe(1);
        expect(
          service.calls.length,
          `3 deliveries of event evt_1 made ${service.calls.length} subscription calls`,
        ).toBe(1);
        expect(await handler.getPaymentStatus('pay_123'), 'the status of pay_123').toBe('success');
      });
    },
  );

  check(
    {
      id: 'payload-mismatch',
      title:
        'an idempotency key reused with a different payload is a 422 conflict, in every state of the event, and changes nothing',
      item: 'idempotency',
      weight: 2,
      rules: ['payload-mismatch'],
    },
    async ({ impl }) => {
      const changes: [string, Partial<Record<keyof Kata.PaymentWebhook, unknown>>][] = [
        ['amount', { amount: 4901 }],
        ['status', { status: 'failed' }],
        ['userId', { userId: 'User_1' }],
        ['paymentId', { paymentId: 'pay_1234' }],
      ];
      const states: [string, (env: Env) => Promise<void>][] = [
        ['finished', async ({ handler }) => void (await handler.handlePaymentWebhook(webhook()))],
        [
          'in progress',
          async ({ handler, service }) => {
            service.plan(hang);
            void handler.handlePaymentWebhook(webhook()).catch(() => undefined);
            await until(() => service.stuck === 1);
          },
        ],
        [
          'dead-lettered',
          async ({ handler, service, clock }) => {
            service.plan(fail());
            await finished(() => handler.handlePaymentWebhook(webhook()), clock, 'the delivery');
          },
        ],
      ];
      for (const [state, prepare] of states) {
        await withHandler(impl, { maxAttempts: 1 }, async (env) => {
          await prepare(env);
          const callsBefore = env.service.calls.length;
          const before = await env.world.dump();
          for (const [field, change] of changes) {
            await expectCall(
              () => env.handler.handlePaymentWebhook(webhook(change)),
              mismatch,
              `evt_1 (${state}) redelivered with another ${field}`,
              impl,
            );
          }
          const after = await env.world.dump();
          expect(JSON.stringify(after), `the database after the conflicting deliveries of evt_1 (${state})`).toBe(
            JSON.stringify(before),
          );
          expect(
            env.service.calls.length - callsBefore,
            `calls made by the conflicting deliveries of evt_1 (${state})`,
          ).toBe(0);
          expect(
            await env.handler.getPaymentStatus('pay_1234'),
            'pay_1234, only ever named by a conflicting payload',
          ).toBe(undefined);
        });
      }
    },
  );

  check(
    {
      id: 'dedup-retention',
      title: "deduplication records outlive the provider's retry window (days) and are purged after retentionMs",
      item: 'idempotency',
      weight: 2,
      rules: ['retention-keeps', 'purge-deletes-expired', 'duplicate-delivery', 'option-defaults', 'status-forward'],
    },
    async ({ impl }) => {
      await withHandler(impl, {}, async ({ handler, service, clock }) => {
        // Two failed calls first, so the event finishes 3 s after it arrived: retention counts from the finish.
        service.plan(fail(), fail());
        await finished(() => handler.handlePaymentWebhook(webhook()), clock, 'the delivery of evt_1');
        const finishedAt = clock.now();
        for (const days of [1, 3, 6, 7]) {
          await clock.advance(finishedAt + days * DAY_MS - clock.now());
          await expectCall(
            () => handler.purgeExpired(),
            expectValue(0),
            `purgeExpired() ${days} day(s) after evt_1 finished`,
            impl,
          );
          await expectCall(
            () => handler.handlePaymentWebhook(webhook()),
            duplicate,
            `a redelivery of evt_1 ${days} day(s) later, after purgeExpired()`,
            impl,
          );
        }
        expect(service.calls.length, 'calls to the subscription service').toBe(3);
        await clock.advance(1);
        await expectCall(
          () => handler.purgeExpired(),
          expectValue(1),
          'purgeExpired() 7 days and 1 ms after evt_1 finished',
          impl,
        );
        await expectCall(() => handler.purgeExpired(), expectValue(0), 'purgeExpired() again', impl);
        await expectCall(
          () => handler.handlePaymentWebhook(webhook()),
          ignored,
          'evt_1 delivered again once purged (pay_123 is already success)',
          impl,
        );
      });
    },
  );

  check(
    {
      id: 'purge-boundaries',
      title:
        'purgeExpired with any retentionMs deletes exactly the events finished more than retentionMs ago, processed and ignored alike, never in-progress or dead-lettered ones',
      item: 'idempotency',
      weight: 2,
      rules: [
        'retention-keeps',
        'purge-deletes-expired',
        'purge-spares-unfinished',
        'status-forward',
        'downstream-key',
        'duplicate-delivery',
        'lease-takeover',
        'retry-max-attempts',
      ],
    },
    async ({ impl }) => {
      for (const retentionMs of [1, 60_000, 3 * DAY_MS + 17]) {
        await withHandler(impl, { retentionMs, maxAttempts: 1, leaseMs: 1 }, async ({ handler, service, clock }) => {
          const label = `with retentionMs ${retentionMs}`;
          const start = clock.now();
          await handler.handlePaymentWebhook(webhook({ paymentId: 'pay_a', idempotencyKey: 'evt_done' }));
          await handler.handlePaymentWebhook(
            webhook({ paymentId: 'pay_a', idempotencyKey: 'evt_ignored', status: 'pending' }),
          );
          await handler.handlePaymentWebhook(
            webhook({ paymentId: 'pay_p', idempotencyKey: 'evt_p', status: 'pending' }),
          );
          service.plan(fail());
          await finished(
            () => handler.handlePaymentWebhook(webhook({ paymentId: 'pay_b', idempotencyKey: 'evt_dead' })),
            clock,
            'the delivery',
          );
          service.plan(hang);
          void handler
            .handlePaymentWebhook(webhook({ paymentId: 'pay_c', idempotencyKey: 'evt_stuck' }))
            .catch(() => undefined);
          await until(() => service.stuck === 1);
          await clock.advance(start + retentionMs - clock.now());
          await expectCall(
            () => handler.purgeExpired(),
            expectValue(0),
            `purgeExpired() exactly retentionMs after, ${label}`,
            impl,
          );
          await expectCall(
            () => handler.handlePaymentWebhook(webhook({ paymentId: 'pay_a', idempotencyKey: 'evt_done' })),
            duplicate,
            `evt_done redelivered exactly retentionMs after it finished, ${label}`,
            impl,
          );
          await clock.advance(1);
          await expectCall(
            () => handler.purgeExpired(),
            expectValue(3),
            `purgeExpired() 1 ms later, ${label} (evt_done, evt_ignored and evt_p)`,
            impl,
          );
          await clock.advance(30 * DAY_MS);
          await expectCall(
            () => handler.purgeExpired(),
            expectValue(0),
            `purgeExpired() a month later, ${label} (only evt_dead and evt_stuck are left)`,
            impl,
          );
          const letters = await handler.listDeadLetters();
          expect(
            letters.map((letter) => letter.idempotencyKey),
            `the dead letters a month later, ${label}`,
          ).toEqual(['evt_dead']);
          for (const [paymentId, status] of [
            ['pay_a', 'success'],
            ['pay_p', 'pending'],
          ] as const) {
            expect(
              await handler.getPaymentStatus(paymentId),
              `the status of ${paymentId} once its events were purged, ${label}`,
            ).toBe(status);
          }
          await expectCall(
            () => handler.handlePaymentWebhook(webhook({ paymentId: 'pay_c', idempotencyKey: 'evt_stuck' })),
            processed(subscriptionIdFor(service.calls.at(-1)?.idempotencyKey)),
            `evt_stuck redelivered a month later, ${label} (its holder died)`,
            impl,
          );
          await expectCall(
            () =>
              handler.handlePaymentWebhook(
                webhook({ paymentId: 'pay_a', idempotencyKey: 'evt_ignored', status: 'pending' }),
              ),
            ignored,
            `evt_ignored delivered again once purged, ${label}`,
            impl,
          );
        });
      }
    },
  );

  // -------------------------------------------------------------------------------------------
  // Status order

  check(
    {
      id: 'no-status-downgrade',
      title: "a payment's status only moves forward: a 'pending' after a 'success' changes nothing",
      item: 'distributed-systems',
      weight: 2,
      redFlag: 'no-transaction-handling',
      rules: ['status-forward', 'success-only-subscribes', 'duplicate-delivery'],
    },
    async ({ impl }) => {
      await withHandler(impl, {}, async ({ handler, service }) => {
        const deliver_ = (paymentId: string, status: string, key: string) =>
          handler.handlePaymentWebhook(webhook({ paymentId, status, idempotencyKey: key }));
        const expectStep = async (
          paymentId: string,
          status: string,
          key: string,
          expected: ReturnType<typeof expectValue>,
          what: string,
        ) => expectCall(() => deliver_(paymentId, status, key), expected, what, impl);

        await expectStep('pay_a', 'success', 'evt_a1', processedWithSubscription, "pay_a: 'success'");
        await expectStep('pay_a', 'pending', 'evt_a2', ignored, "pay_a: 'pending' after 'success'");
        await expectStep('pay_a', 'failed', 'evt_a3', ignored, "pay_a: 'failed' after 'success'");
        await expectStep('pay_a', 'success', 'evt_a4', ignored, "pay_a: another 'success' event after 'success'");
        expect(await handler.getPaymentStatus('pay_a'), "pay_a after 'success', 'pending', 'failed', 'success'").toBe(
          'success',
        );
        expect((await handler.getSubscriptionsByPaymentId('pay_a')).length, 'subscriptions of pay_a').toBe(1);

        await expectStep('pay_b', 'pending', 'evt_b1', processed(), "pay_b: 'pending'");
        await expectStep('pay_b', 'pending', 'evt_b2', ignored, "pay_b: another 'pending' event");
        await expectStep('pay_b', 'failed', 'evt_b3', processed(), "pay_b: 'failed' after 'pending'");
        expect(await handler.getSubscriptionsByPaymentId('pay_b'), "subscriptions of pay_b after 'failed'").toEqual([]);
        await expectStep(
          'pay_b',
          'success',
          'evt_b4',
          processedWithSubscription,
          "pay_b: 'success' after 'failed' (card retried)",
        );
        expect(await handler.getPaymentStatus('pay_b'), 'pay_b at the end').toBe('success');

        await expectStep('pay_c', 'failed', 'evt_c1', processed(), "pay_c: 'failed'");
        await expectStep('pay_c', 'pending', 'evt_c2', ignored, "pay_c: 'pending' after 'failed'");
        await expectStep('pay_c', 'failed', 'evt_c3', ignored, "pay_c: another 'failed' event");
        expect(await handler.getPaymentStatus('pay_c'), "pay_c after 'failed', 'pending', 'failed'").toBe('failed');
        await expectStep('pay_d', 'pending', 'evt_d1', processed(), "pay_d: 'pending'");
        await expectStep(
          'pay_d',
          'success',
          'evt_d2',
          processedWithSubscription,
          "pay_d: 'success' straight after 'pending'",
        );
        expect(
          service.calls.map((call) => call.request.paymentId),
          'payments the subscription service was called for',
        ).toEqual(['pay_a', 'pay_b', 'pay_d']);
        expect(await handler.getPaymentStatus('pay_never'), 'a payment never seen').toBe(undefined);
        expect(await handler.getSubscriptionsByPaymentId('pay_never'), 'subscriptions of a payment never seen').toEqual(
          [],
        );
        await expectCall(
          () => deliver_('pay_a', 'pending', 'evt_a2'),
          duplicate,
          'the ignored evt_a2 delivered again',
          impl,
        );
      });
    },
  );

  check(
    {
      id: 'status-order-property',
      title: 'property: any order of any events, redelivered any number of times, ends at the furthest status',
      item: 'distributed-systems',
      weight: 2,
      timeoutMs: 30_000,
      rules: ['status-forward', 'success-only-subscribes'],
    },
    async ({ impl, property }) => {
      const rank = { pending: 0, failed: 1, success: 2 } as const;
      type Status = keyof typeof rank;
      const events = fc
        .array(fc.constantFrom<Status>('pending', 'failed', 'success'), { minLength: 1, maxLength: 4 })
        .chain((statuses) =>
          fc
            .array(fc.nat({ max: statuses.length - 1 }), { maxLength: statuses.length })
            .map((redeliveries) => [...statuses.keys(), ...redeliveries])
            .chain((order) => fc.shuffledSubarray(order, { minLength: order.length, maxLength: order.length }))
            .map((order) => ({ statuses, order })),
        );
      await withHandler(impl, {}, async ({ handler, service }) => {
        let run = 0;
        await property(
          fc.asyncProperty(events, async ({ statuses, order }) => {
            const paymentId = `pay_prop_${run++}`;
            const callsBefore = service.calls.length;
            for (const index of order) {
              await handler.handlePaymentWebhook(
                webhook({ paymentId, status: statuses[index], idempotencyKey: `${paymentId}_evt_${index}` }),
              );
            }
            const furthest = statuses.reduce((best, status) => (rank[status] > rank[best] ? status : best));
            const delivered = order.map((index) => statuses[index]).join(', ');
            expect(await handler.getPaymentStatus(paymentId), `status after events ${delivered}`).toBe(furthest);
            const expected = statuses.includes('success') ? 1 : 0;
            expect(
              (await handler.getSubscriptionsByPaymentId(paymentId)).length,
              `subscriptions after events ${delivered}`,
            ).toBe(expected);
            expect(service.calls.length - callsBefore, `subscription calls after events ${delivered}`).toBe(expected);
          }),
          { numRuns: 40 },
        );
      });
    },
  );

  // -------------------------------------------------------------------------------------------
  // Failures, leases, crashes

  check(
    {
      id: 'releases-key-on-failure',
      title: 'a failure while processing gives the event back, so the provider redelivery succeeds',
      item: 'transactions',
      weight: 3,
      redFlag: 'no-transaction-handling',
      rules: ['failure-releases', 'downstream-key'],
    },
    async ({ impl }) => {
      for (const where of ['the first write', 'the write after the subscription call']) {
        await withHandler(impl, {}, async ({ world, handler, service, clock }) => {
          const database = world.instances[0]!.database;
          if (where === 'the first write') database.injectFault({ times: 1 });
          else {
            service.onAnswer = () => {
              service.onAnswer = undefined;
              database.injectFault({ times: 1 });
            };
          }
          const first = await runWithClock(() => handler.handlePaymentWebhook(webhook()), clock);
          expect(first.state, `the delivery whose ${where} failed`).toBe('rejected');
          const redelivery = await finished(() => handler.handlePaymentWebhook(webhook()), clock, 'the redelivery');
          expectOutcome(
            { ok: true, value: redelivery },
            processed(subscriptionIdFor(service.calls.at(-1)?.idempotencyKey)),
            `the redelivery at the same instant, after ${where} failed,`,
          );
          const subscriptions = (await handler.getSubscriptionsByPaymentId('pay_123')).length;
          expect(
            subscriptions,
            `after ${where} failed and an immediate redelivery, pay_123 has ${subscriptions} subscriptions`,
          ).toBe(1);
          expect(createdFor(service, 'pay_123').length, 'subscriptions the service created').toBe(1);
          expect(await handler.getPaymentStatus('pay_123'), 'the status of pay_123').toBe('success');
        });
      }
    },
  );

  check(
    {
      id: 'in-progress-lease',
      title:
        'a redelivery while the first delivery still works is told exactly when its lease runs out (409) and calls nothing',
      item: 'locking',
      weight: 2,
      redFlag: 'no-concurrency-handling',
      rules: ['lease-conflict'],
    },
    async ({ impl }) => {
      for (const leaseMs of [30_000, 2, 7_777]) {
        await withHandler(impl, { leaseMs }, async ({ handler, service, clock }) => {
          const start = clock.now();
          service.plan(hang);
          void handler.handlePaymentWebhook(webhook()).catch(() => undefined);
          expect(await until(() => service.stuck === 1), 'the first delivery reached the subscription service').toBe(
            true,
          );
          for (const elapsed of [0, Math.floor(leaseMs / 3), leaseMs - 1]) {
            await clock.advance(start + elapsed - clock.now());
            await expectCall(
              () => handler.handlePaymentWebhook(webhook()),
              inProgress(leaseMs - elapsed),
              `with leaseMs ${leaseMs}, a redelivery ${elapsed} ms into the first delivery`,
              impl,
            );
          }
          expect(service.calls.length, 'calls to the subscription service').toBe(1);
          expect(await handler.getSubscriptionsByPaymentId('pay_123'), 'subscriptions of pay_123').toEqual([]);
        });
      }
    },
  );

  check(
    {
      id: 'lease-boundary',
      title:
        'a lease runs out exactly leaseMs after it was taken: 1 ms before, 409 with retryAfterMs 1; at that instant, a takeover',
      item: 'locking',
      weight: 2,
      rules: ['lease-takeover', 'lease-conflict'],
    },
    async ({ impl }) => {
      for (const leaseMs of [1, 500, 30_000, 86_400_000]) {
        await withHandler(impl, { leaseMs }, async ({ handler, service, clock }) => {
          const start = clock.now();
          service.plan(hang);
          void handler.handlePaymentWebhook(webhook()).catch(() => undefined);
          await until(() => service.stuck === 1);
          if (leaseMs > 1) {
            await clock.advance(leaseMs - 1);
            await expectCall(
              () => handler.handlePaymentWebhook(webhook()),
              inProgress(1),
              `with leaseMs ${leaseMs}, a redelivery 1 ms before the lease runs out`,
              impl,
            );
          }
          await clock.advance(start + leaseMs - clock.now());
          const takeover = await settle(() =>
            finished(() => handler.handlePaymentWebhook(webhook()), clock, 'the takeover'),
          );
          expectOutcome(
            takeover,
            processed(subscriptionIdFor(service.calls.at(-1)?.idempotencyKey)),
            `with leaseMs ${leaseMs}, a redelivery exactly when the lease runs out`,
          );
          expect(service.calls.length, 'calls to the subscription service').toBe(2);
          expect(createdFor(service, 'pay_123').length, 'subscriptions the service created').toBe(1);
        });
      }
    },
  );

  check(
    {
      id: 'crash-recovery',
      title: 'a crash between recording the event and creating the subscription is recovered exactly once',
      item: 'error-recovery',
      weight: 3,
      redFlag: 'no-transaction-handling',
      rules: ['lease-takeover', 'duplicate-delivery'],
    },
    async ({ impl }) => {
      await withHandler(impl, { leaseMs: 30_000 }, async ({ handler, service, clock }) => {
        service.plan(hang);
        void handler.handlePaymentWebhook(webhook()).catch(() => undefined);
        await until(() => service.stuck === 1);
        await clock.advance(30_000);
        const takeover = await finished(() => handler.handlePaymentWebhook(webhook()), clock, 'the redelivery');
        expect(shown(takeover), 'a redelivery after the crashed delivery lease ran out').toBe('processed 200');
        const subscriptions = await handler.getSubscriptionsByPaymentId('pay_123');
        expect(subscriptions.length, 'subscriptions of pay_123 after the takeover').toBe(1);
        expect(subscriptions[0]?.subscriptionId, 'the subscription recorded').toBe(
          subscriptionIdFor(service.calls[1]?.idempotencyKey),
        );
        await expectCall(() => handler.handlePaymentWebhook(webhook()), duplicate, 'one more redelivery', impl);
        expect(
          (await handler.getSubscriptionsByPaymentId('pay_123')).length,
          'subscriptions of pay_123 at the end',
        ).toBe(1);
      });
    },
  );

  check(
    {
      id: 'downstream-idempotency-key',
      title:
        'the subscription call carries a key derived from the event, so a retry after a lost commit is deduplicated',
      item: 'distributed-systems',
      weight: 2,
      redFlag: 'no-idempotency',
      rules: ['downstream-key', 'lease-takeover'],
    },
    async ({ impl }) => {
      await withHandler(
        impl,
        { leaseMs: 30_000, maxAttempts: 3, baseDelayMs: 10 },
        async ({ handler, service, clock }) => {
          // The service creates the subscription, but the answer is lost; then the process dies
          // before it commits the next answer.
          service.plan(lost(), hold);
          const paused = handler.handlePaymentWebhook(webhook());
          paused.catch(() => undefined);
          await runWithClock(() => paused, clock, { stuck: () => service.stuck === 1 });
          await clock.advance(30_000);
          await finished(() => handler.handlePaymentWebhook(webhook()), clock, 'the redelivery');
          await finished(
            () => handler.handlePaymentWebhook(webhook({ paymentId: 'pay_other', idempotencyKey: 'evt_other' })),
            clock,
            'another payment',
          );
          const keys = service.calls.map((call) => call.idempotencyKey);
          expect(keys.length, 'calls to the subscription service').toBe(4);
          expect(keys[0], 'the idempotency key of the first call').toBeTypeOf('string');
          expect(keys.slice(1, 3), 'the keys of the retry and of the call after the lost commit').toEqual([
            keys[0],
            keys[0],
          ]);
          expect(keys[3], 'the key for another payment').not.toBe(keys[0]);
          expect(
            createdFor(service, 'pay_123').length,
            'subscriptions the subscription service created for pay_123',
          ).toBe(1);
          const subscriptions = await handler.getSubscriptionsByPaymentId('pay_123');
          expect(
            subscriptions.map((entry) => entry.subscriptionId),
            'the recorded subscriptions',
          ).toEqual([subscriptionIdFor(keys[0])]);
        },
      );
    },
  );

  check(
    {
      id: 'stale-lease-holder',
      title: 'a delivery that wakes up after losing its lease writes nothing more, not even when its event finished',
      item: 'distributed-systems',
      weight: 2,
      redFlag: 'no-concurrency-handling',
      rules: ['stale-holder', 'duplicate-delivery', 'lease-takeover', 'retention-keeps'],
    },
    async ({ impl }) => {
      const retentionMs = 60_000;
      await withHandler(impl, { leaseMs: 30_000, retentionMs }, async ({ handler, service, clock }) => {
        service.plan(hold);
        const paused = handler.handlePaymentWebhook(webhook());
        await until(() => service.stuck === 1);
        await clock.advance(30_001);
        await finished(() => handler.handlePaymentWebhook(webhook()), clock, 'the takeover');
        const finishedAt = clock.now();
        const before = await handler.getSubscriptionsByPaymentId('pay_123');
        await clock.advance(5_000);
        service.release();
        const woke = await runWithClock(() => paused, clock);
        const subscriptions = await handler.getSubscriptionsByPaymentId('pay_123');
        expect(
          subscriptions.length,
          `after the paused delivery woke up past its lease (${woke.state}), pay_123 has ${subscriptions.length} subscription records`,
        ).toBe(1);
        expect(subscriptions, 'the record the new holder made').toEqual(before);
        expect(await handler.getPaymentStatus('pay_123'), 'the status of pay_123').toBe('success');
        await expectCall(() => handler.handlePaymentWebhook(webhook()), duplicate, 'one more redelivery', impl);
        await clock.advance(finishedAt + retentionMs + 1 - clock.now());
        await expectCall(
          () => handler.purgeExpired(),
          expectValue(1),
          'purgeExpired() retentionMs and 1 ms after the new holder finished the event (the woken holder must not have finished it again later)',
          impl,
        );
      });
    },
  );

  check(
    {
      id: 'crash-after-recording',
      title:
        'an instance that dies right after its first commit leaves the event held for leaseMs: the redelivery is told to wait, the first one after the lease finishes it',
      item: 'error-recovery',
      weight: 2,
      redFlag: 'no-transaction-handling',
      rules: ['lease-conflict', 'lease-takeover', 'payload-mismatch'],
    },
    async ({ impl }) => {
      for (const leaseMs of [30_000, 7]) {
        await withHandler(
          impl,
          { leaseMs },
          async ({ world, service, clock }) => {
            const [dying, other] = world.instances as [(typeof world.instances)[0], (typeof world.instances)[0]];
            dying.database.injectFault({ when: (statement) => statement.kind === 'commit', crash: 'after' });
            void dying.handler.handlePaymentWebhook(webhook()).catch(() => undefined);
            await until(() => dying.database.crashed || service.calls.length > 0);
            await until(() => dying.database.crashed);
            const label = `with leaseMs ${leaseMs}, after an instance died right after its first commit`;
            const probe = await other.handler.handlePaymentWebhook(webhook({ amount: 1 }));
            if (shown(probe) !== 'conflict 422 payload-mismatch') {
              expect(shown(probe), `${label}, evt_1 with another amount`).toBe('processed 200');
              return;
            }
            // The event was recorded: it is held (409 for the whole lease) or, if that commit was the last, done.
            const again = await other.handler.handlePaymentWebhook(webhook());
            if (shown(again) !== 'duplicate 200') {
              expectOutcome(
                { ok: true, value: again },
                inProgress(leaseMs),
                `${label}, a redelivery at the same instant`,
              );
            }
            await clock.advance(leaseMs);
            const takeover = await finished(
              () => other.handler.handlePaymentWebhook(webhook()),
              clock,
              'the redelivery',
            );
            expect(['processed 200', 'duplicate 200'], `${label} and its lease, the redelivery`).toContain(
              shown(takeover),
            );
            expect(
              (await other.handler.getSubscriptionsByPaymentId('pay_123')).length,
              `${label}, subscriptions of pay_123`,
            ).toBe(1);
            expect(createdFor(service, 'pay_123').length, `${label}, subscriptions the service created`).toBe(1);
          },
          { instances: 2 },
        );
      }
    },
  );

  // -------------------------------------------------------------------------------------------
  // Retries and the dead-letter queue

  check(
    {
      id: 'exponential-backoff',
      title:
        'a failing subscription call is retried after baseDelayMs, then twice that, then four times, for any baseDelayMs',
      item: 'system-error-handling',
      weight: 2,
      redFlag: 'no-retry-mechanism',
      rules: ['retry-backoff'],
    },
    async ({ impl }) => {
      for (const baseDelayMs of [1_000, 1, 7_919]) {
        await withHandler(impl, { maxAttempts: 5, baseDelayMs }, async ({ handler, service, clock }) => {
          service.plan(fail(), lost(), fail(new Error('timed out')));
          const start = clock.now();
          const settled = await runWithClock(() => handler.handlePaymentWebhook(webhook()), clock);
          const times = service.calls.map((call) => `+${call.at - start}`);
          const expected = [0, 1, 3, 7].map((factor) => `+${factor * baseDelayMs}`);
          expect(
            times.join(', '),
            `with baseDelayMs ${baseDelayMs}, after 3 failures the subscription service was called at ${times.join(', ')} ms`,
          ).toBe(expected.join(', '));
          expect(clock.sleeps.slice(-3), `with baseDelayMs ${baseDelayMs}, the waits passed to clock.sleep`).toEqual(
            [1, 2, 4].map((factor) => factor * baseDelayMs),
          );
          expect(settled.state, 'the delivery').toBe('fulfilled');
          expect(shown((settled as { value?: unknown }).value), 'the result').toBe('processed 200');
        });
      }
    },
  );

  check(
    {
      id: 'dead-letter-queue',
      title:
        'after exactly maxAttempts failures the event is dead-lettered (202), listed in full with its last error, and no longer retried',
      item: 'error-recovery',
      weight: 2,
      redFlag: 'no-retry-mechanism',
      rules: ['retry-max-attempts', 'dead-letter-entry', 'duplicate-delivery', 'result-shape'],
    },
    async ({ impl }) => {
      for (const maxAttempts of [1, 2, 4]) {
        await withHandler(impl, { maxAttempts, baseDelayMs: 1_000 }, async ({ handler, service, clock }) => {
          service.otherwise = fail(new Error('still down'));
          service.plan(
            ...Array.from({ length: maxAttempts - 1 }, (_, attempt) => fail(new Error(`down (${attempt + 1})`))),
          );
          const settled = await runWithClock(() => handler.handlePaymentWebhook(webhook()), clock);
          expect(
            settled.state,
            `with maxAttempts ${maxAttempts}, the delivery was still retrying after ${service.calls.length} calls`,
          ).not.toBe('pending');
          expect(
            service.calls.length,
            `calls to the failing subscription service with maxAttempts ${maxAttempts}`,
          ).toBe(maxAttempts);
          expectOutcome(
            settled.state === 'fulfilled'
              ? { ok: true, value: settled.value }
              : { ok: false, error: (settled as { error: unknown }).error },
            deadLettered(maxAttempts),
            `with maxAttempts ${maxAttempts}, the result once every attempt failed`,
          );
          const firstAt = clock.now();
          await clock.advance(5_000);
          await finished(
            () => handler.handlePaymentWebhook(webhook({ paymentId: 'pay_2', idempotencyKey: 'evt_2' })),
            clock,
            'the second delivery',
          );
          const letters = await handler.listDeadLetters();
          const difference = valueDifference(
            letters,
            [
              {
                idempotencyKey: 'evt_1',
                webhook: webhook(),
                attempts: maxAttempts,
                lastError: 'still down',
                deadLetteredAt: firstAt,
              },
              {
                idempotencyKey: 'evt_2',
                webhook: webhook({ paymentId: 'pay_2', idempotencyKey: 'evt_2' }),
                attempts: maxAttempts,
                lastError: 'still down',
                deadLetteredAt: clock.now(),
              },
            ],
            'the dead-letter queue',
          );
          expect(difference, `with maxAttempts ${maxAttempts}`).toBeUndefined();
          await clock.advance(DAY_MS);
          await expectCall(
            () => handler.handlePaymentWebhook(webhook()),
            duplicate,
            'a redelivery of the dead-lettered event',
            impl,
          );
          expect(service.calls.length, 'calls to the subscription service a day later').toBe(2 * maxAttempts);
        });
      }
    },
  );

  check(
    {
      id: 'dead-letter-replay',
      title:
        'a dead letter replays once, even when two operators replay it at the same time, can fail again, and a key not in the queue is not found',
      item: 'error-recovery',
      weight: 2,
      rules: [
        'replay',
        'replay-once',
        'replay-not-found',
        'dead-letter-entry',
        'duplicate-delivery',
        'result-shape',
        'retry-backoff',
        'retry-max-attempts',
      ],
    },
    async ({ impl }) => {
      await withHandler(impl, { maxAttempts: 3, baseDelayMs: 1_000 }, async ({ handler, service, clock }) => {
        const notFound = (key: string) =>
          expectError('DeadLetterNotFoundError', {
            code: 'ERR_DEAD_LETTER_NOT_FOUND',
            fields: { idempotencyKey: key },
          });
        service.otherwise = fail();
        await finished(() => handler.handlePaymentWebhook(webhook()), clock, 'the first delivery');
        await finished(
          () => handler.handlePaymentWebhook(webhook({ paymentId: 'pay_456', idempotencyKey: 'evt_2' })),
          clock,
          'the second delivery',
        );
        await expectCall(
          () => handler.replayDeadLetter('evt_unknown'),
          notFound('evt_unknown'),
          'replaying a key never seen',
          impl,
        );

        await clock.advance(60_000);
        service.plan(fail(new Error('first')), fail(new Error('second')), fail(new Error('third')));
        const start = clock.now();
        const stillDown = await finished(
          () => handler.replayDeadLetter('evt_2'),
          clock,
          'a replay while the service is down',
        );
        expectOutcome({ ok: true, value: stillDown }, deadLettered(6), 'a replay while the service is still down');
        expect(
          service.calls.slice(-3).map((call) => call.at - start),
          'when the replay called the service',
        ).toEqual([0, 1_000, 3_000]);
        const evt2 = (await handler.listDeadLetters()).find((letter) => letter.idempotencyKey === 'evt_2');
        expect(evt2, 'evt_2 after a failed replay').toEqual({
          idempotencyKey: 'evt_2',
          webhook: webhook({ paymentId: 'pay_456', idempotencyKey: 'evt_2' }),
          attempts: 6,
          lastError: 'third',
          deadLetteredAt: clock.now(),
        });
        expect(
          (await handler.listDeadLetters()).map((letter) => letter.idempotencyKey),
          'the queue, oldest first',
        ).toEqual(['evt_1', 'evt_2']);

        service.otherwise = { kind: 'ok' };
        const callsBefore = service.calls.length;
        const replays = await Promise.allSettled([
          handler.replayDeadLetter('evt_1'),
          handler.replayDeadLetter('evt_1'),
        ]);
        const processedCount = replays.filter(
          (replay) => replay.status === 'fulfilled' && shown(replay.value) === 'processed 200',
        ).length;
        expect(processedCount, 'two simultaneous replays of evt_1 answered "processed"').toBe(1);
        for (const replay of replays) {
          if (replay.status === 'rejected')
            expect(errorCode(replay.reason), 'the code of the losing replay').toBe('ERR_DEAD_LETTER_NOT_FOUND');
          else if (shown(replay.value) !== 'processed 200')
            expect(shown(replay.value), 'the losing replay').toBe('conflict 409 in-progress');
        }
        expect(service.calls.length - callsBefore, 'subscription calls made by two simultaneous replays').toBe(1);
        const winner = replays.find(
          (replay) => replay.status === 'fulfilled' && shown(replay.value) === 'processed 200',
        ) as PromiseFulfilledResult<Result>;
        expect(winner.value, 'the replay that ran').toEqual({
          outcome: 'processed',
          httpStatus: 200,
          subscriptionId: subscriptionIdFor(service.calls.at(-1)?.idempotencyKey),
        });
        expect(
          (await handler.getSubscriptionsByPaymentId('pay_123')).length,
          'subscriptions of pay_123 after the replay',
        ).toBe(1);
        expect(
          (await handler.listDeadLetters()).map((letter) => letter.idempotencyKey),
          'dead letters',
        ).toEqual(['evt_2']);
        await expectCall(
          () => handler.replayDeadLetter('evt_1'),
          notFound('evt_1'),
          'replaying evt_1 once it left the queue',
          impl,
        );
        await expectCall(
          () => handler.handlePaymentWebhook(webhook()),
          duplicate,
          'a redelivery of the replayed event',
          impl,
        );
        service.plan(hang);
        void handler
          .handlePaymentWebhook(webhook({ paymentId: 'pay_789', idempotencyKey: 'evt_3' }))
          .catch(() => undefined);
        await until(() => service.stuck === 1);
        await expectCall(
          () => handler.replayDeadLetter('evt_3'),
          notFound('evt_3'),
          'replaying an event in progress',
          impl,
        );
        expect(
          (await handler.listDeadLetters()).map((letter) => letter.idempotencyKey),
          'dead letters at the end',
        ).toEqual(['evt_2']);
      });
    },
  );

  check(
    {
      id: 'non-error-rejections',
      title:
        'a subscription service that rejects with a string or undefined is retried and dead-lettered like any failure',
      item: 'system-error-handling',
      weight: 1,
      rules: ['non-error-rejections', 'dead-letter-entry', 'result-shape', 'retry-max-attempts'],
    },
    async ({ impl }) => {
      for (const [label, last, lastError] of [
        ['a string', 'ECONNRESET', (value: unknown) => value === 'ECONNRESET'],
        ['undefined', undefined, (value: unknown) => typeof value === 'string'],
        ['an object', { status: 503 }, (value: unknown) => typeof value === 'string'],
        ['an Error with an empty message', new Error(''), (value: unknown) => value === ''],
      ] as const) {
        await withHandler(impl, { maxAttempts: 3, baseDelayMs: 10 }, async ({ handler, service, clock }) => {
          service.plan(fail('EPIPE'), fail(null), fail(last));
          const result = await settle(() =>
            finished(() => handler.handlePaymentWebhook(webhook()), clock, 'the delivery'),
          );
          expectOutcome(
            result,
            deadLettered(3),
            `a delivery whose calls rejected with non-Error values, the last ${label},`,
          );
          const [letter] = await handler.listDeadLetters();
          expect(
            lastError(letter?.lastError),
            `the dead letter's lastError after a rejection with ${label}: ${show(letter?.lastError)}`,
          ).toBe(true);
          const replayed = await finished(() => handler.replayDeadLetter('evt_1'), clock, 'the replay');
          expect(shown(replayed), 'the replay once the service is healthy').toBe('processed 200');
        });
      }
    },
  );

  // -------------------------------------------------------------------------------------------
  // The subscription service and the local record

  check(
    {
      id: 'downstream-request',
      title:
        "the subscription service gets exactly the event's { paymentId, userId, amount }, outside any transaction, and the record keeps its answer and the time it came",
      item: 'distributed-systems',
      weight: 2,
      rules: [
        'downstream-request',
        'downstream-outside-transaction',
        'subscription-record',
        'success-only-subscribes',
        'downstream-key',
      ],
    },
    async ({ impl }) => {
      await withHandler(impl, { maxAttempts: 3, baseDelayMs: 250 }, async ({ handler, service, clock }) => {
        const cases: Kata.PaymentWebhook[] = [
          webhook({ paymentId: 'pay_A', userId: 'user_Ä 1', amount: 1, idempotencyKey: 'evt_a' }),
          webhook({ paymentId: 'pay a', userId: 'USER_1', amount: Number.MAX_SAFE_INTEGER, idempotencyKey: 'evt_b' }),
          webhook({ paymentId: 'pay_🧾', userId: '👤', amount: 4999, idempotencyKey: 'evt_c' }),
        ];
        for (const [index, event] of cases.entries()) {
          if (index === 2) service.plan(fail(), fail());
          const from = service.calls.length;
          await finished(
            () =>
              handler.handlePaymentWebhook(
                webhook({ ...event, status: 'pending', idempotencyKey: `${event.idempotencyKey}_0` }),
              ),
            clock,
            'a pending event',
          );
          expect(service.calls.length - from, `calls for the pending event of ${event.paymentId}`).toBe(0);
          const result = await finished(() => handler.handlePaymentWebhook(event), clock, 'the delivery');
          const calls = service.calls.slice(from);
          const last = calls.at(-1)!;
          for (const call of calls) {
            expect(call.request, `the request for ${event.paymentId}`).toEqual({
              paymentId: event.paymentId,
              userId: event.userId,
              amount: event.amount,
            });
            expect(
              call.insideTransaction,
              `a database transaction was open while the service was called for ${event.paymentId}`,
            ).toBe(false);
          }
          expect(result, `the result for ${event.paymentId}`).toEqual({
            outcome: 'processed',
            httpStatus: 200,
            subscriptionId: last.subscriptionId,
          });
          expect(
            await handler.getSubscriptionsByPaymentId(event.paymentId),
            `the record of ${event.paymentId}`,
          ).toEqual([
            {
              subscriptionId: last.subscriptionId,
              paymentId: event.paymentId,
              userId: event.userId,
              amount: event.amount,
              createdAt: last.at,
            },
          ]);
        }
        // An answer that arrives later than the call was made: createdAt is when it arrived.
        const slow = webhook({ paymentId: 'pay_slow', userId: 'user_s', amount: 777, idempotencyKey: 'evt_slow' });
        service.plan(hold);
        const pending = handler.handlePaymentWebhook(slow);
        pending.catch(() => undefined);
        expect(await until(() => service.stuck === 1), 'the slow delivery reached the subscription service').toBe(true);
        const calledAt = clock.now();
        await clock.advance(1_234);
        service.release();
        const result = await finished(() => pending, clock, 'the slow delivery');
        const call = service.calls.at(-1)!;
        expect(call.at, 'when the slow call was made').toBe(calledAt);
        expect(shown(result), 'the slow delivery').toBe('processed 200');
        expect(
          await handler.getSubscriptionsByPaymentId('pay_slow'),
          'the record of pay_slow, whose answer arrived 1234 ms after the call',
        ).toEqual([
          {
            subscriptionId: call.subscriptionId,
            paymentId: 'pay_slow',
            userId: 'user_s',
            amount: 777,
            createdAt: calledAt + 1_234,
          },
        ]);
        await expectNoCallProblems(service, 'four payments');
      });
    },
  );

  // -------------------------------------------------------------------------------------------
  // Results

  check(
    {
      id: 'http-status-mapping',
      title:
        'each outcome is exactly the result its row of the table shows: 2xx stops redelivery, 409 asks for it later',
      item: 'api-design',
      weight: 1,
      rules: ['result-shape', 'duplicate-delivery', 'payload-mismatch', 'retry-max-attempts', 'status-forward'],
    },
    async ({ impl }) => {
      await withHandler(impl, { maxAttempts: 1 }, async ({ handler, service, clock }) => {
        await expectCall(
          () => handler.handlePaymentWebhook(webhook()),
          expectValue({
            outcome: 'processed',
            httpStatus: 200,
            subscriptionId: satisfies('the id the service returned', (id) => id === service.calls[0]?.subscriptionId),
          }),
          'processed',
          impl,
        );
        await expectCall(
          () =>
            handler.handlePaymentWebhook(webhook({ paymentId: 'pay_p', status: 'pending', idempotencyKey: 'evt_p' })),
          processed(),
          'processed (pending)',
          impl,
        );
        await expectCall(() => handler.handlePaymentWebhook(webhook()), duplicate, 'duplicate', impl);
        await expectCall(
          () => handler.handlePaymentWebhook(webhook({ status: 'pending', idempotencyKey: 'evt_0' })),
          ignored,
          'ignored',
          impl,
        );
        await expectCall(
          () => handler.handlePaymentWebhook(webhook({ amount: 1 })),
          mismatch,
          'payload mismatch',
          impl,
        );
        await expectCall(
          () => handler.receiveWebhook(withHeader(JSON.stringify(webhook()), 'v1=00')),
          rejected('bad-signature'),
          'rejected',
          impl,
        );
        service.plan(fail());
        await expectCall(
          () =>
            finished(
              () => handler.handlePaymentWebhook(webhook({ paymentId: 'pay_2', idempotencyKey: 'evt_2' })),
              clock,
              'the delivery',
            ),
          deadLettered(1),
          'dead-lettered',
          impl,
        );
        service.plan(hang);
        void handler
          .handlePaymentWebhook(webhook({ paymentId: 'pay_3', idempotencyKey: 'evt_3' }))
          .catch(() => undefined);
        await until(() => service.stuck === 1);
        await expectCall(
          () => handler.handlePaymentWebhook(webhook({ paymentId: 'pay_3', idempotencyKey: 'evt_3' })),
          inProgress(30_000),
          'in progress',
          impl,
        );
      });
    },
  );

  // -------------------------------------------------------------------------------------------
  // Signatures

  check(
    {
      id: 'signature-test-vector',
      title: "Stripe's published webhook-signature test vector verifies, and fails once its body or its age changes",
      item: 'security',
      weight: 2,
      redFlag: 'security-vulnerability',
      rules: ['signature-valid', 'signature-tolerance', 'signature-raw-body'],
    },
    async ({ impl }) => {
      const vector = STRIPE_TEST_VECTOR;
      const delivery = {
        rawBody: vector.rawBody,
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: vector.header },
      };
      await withHandler(
        impl,
        { secret: vector.secret },
        async ({ handler, service }) => {
          // The body is a Stripe event, not a PaymentWebhook: a verified delivery is a malformed payload.
          const verified = await settle(() => handler.receiveWebhook(delivery));
          expect(
            shown(verified.ok ? verified.value : undefined),
            "the published vector (signed 100 s ago with secret 'webhook_secret') was rejected: its signature did not verify",
          ).not.toMatch(/^rejected/);
          expect(
            errorCode(verified.ok ? undefined : verified.error),
            'the published vector verified, then its body was parsed',
          ).toBe('ERR_INVALID_WEBHOOK');
          await expectCall(
            () => handler.receiveWebhook({ ...delivery, rawBody: `${vector.rawBody}this_changes_the_json` }),
            rejected('bad-signature'),
            'the published vector with its body changed',
            impl,
          );
          await expectCall(
            () => handler.receiveWebhook({ ...delivery, rawBody: vector.rawBody.trimEnd() }),
            rejected('bad-signature'),
            'the published vector without its trailing newline',
            impl,
          );
          expect(service.calls.length, 'calls to the subscription service').toBe(0);
        },
        { startMs: (vector.timestampSeconds + 100) * 1000 },
      );
      await withHandler(
        impl,
        { secret: vector.secret },
        async ({ handler }) => {
          await expectCall(
            () => handler.receiveWebhook(delivery),
            rejected('stale-timestamp'),
            'the published vector 400 s after it was signed',
            impl,
          );
        },
        { startMs: (vector.timestampSeconds + 400) * 1000 },
      );
    },
  );

  check(
    {
      id: 'rejects-forged-and-tampered',
      title: 'forged, tampered and unsigned deliveries are rejected with 401 and the reason, and store nothing',
      item: 'security',
      weight: 3,
      redFlag: 'security-vulnerability',
      rules: ['signature-valid', 'signature-missing', 'signature-before-storing'],
    },
    async ({ impl }) => {
      await withHandler(impl, {}, async (env) => {
        const { handler, clock } = env;
        const before = await env.world.dump();
        const event = webhook();
        for (const forgery of [
          'missing',
          'empty',
          'wrong-secret',
          'tampered',
          'no-t',
          'no-v1',
          'other-t',
          'truncated',
          'not-hex',
          'suffixed',
          'prefixed',
          'uppercase',
          'v0-only',
          't-nan',
          't-prefixed',
        ] as const) {
          const { delivery, reasons } = forged(event, forgery, [SECRET], clock.now(), DEFAULT_OPTIONS.toleranceMs);
          await expectCall(
            () => handler.receiveWebhook(delivery),
            rejectionFor(reasons),
            `a delivery with a ${forgery} signature`,
            impl,
          );
        }
        await expectNothingStored(env, before, 'after forged deliveries of evt_1');
        const body = JSON.stringify(event);
        const genuine = signedDelivery(body, { secrets: [SECRET], timestampSeconds: Math.floor(clock.now() / 1000) });
        await expectCall(
          () => finished(() => handler.receiveWebhook(genuine), clock, 'the delivery'),
          processedWithSubscription,
          'the genuine delivery of evt_1 after the forged ones',
          impl,
        );
      });
    },
  );

  check(
    {
      id: 'signature-header-any-case',
      title: 'the payment-signature header is found whatever the case of its name',
      item: 'security',
      weight: 1,
      rules: ['signature-header-name', 'signature-missing', 'signature-valid'],
    },
    async ({ impl }) => {
      await withHandler(impl, {}, async ({ handler, clock }) => {
        for (const [index, name] of [
          'Payment-Signature',
          'PAYMENT-SIGNATURE',
          'pAyMeNt-SiGnAtUrE',
          SIGNATURE_HEADER,
        ].entries()) {
          const body = JSON.stringify(
            webhook({ paymentId: `pay_${index}`, idempotencyKey: `evt_${index}`, status: 'pending' }),
          );
          const delivery = signedDelivery(body, {
            secrets: [SECRET],
            timestampSeconds: Math.floor(clock.now() / 1000),
            headerName: name,
          });
          await expectCall(
            () => handler.receiveWebhook(delivery),
            processed(),
            `a delivery whose header is named ${name}`,
            impl,
          );
        }
        const decoy = {
          rawBody: JSON.stringify(webhook({ idempotencyKey: 'evt_decoy' })),
          headers: { 'x-payment-signature': `t=${Math.floor(clock.now() / 1000)},v1=${'0'.repeat(64)}` },
        };
        await expectCall(
          () => handler.receiveWebhook(decoy),
          rejected('missing-signature'),
          'a delivery carrying only x-payment-signature',
          impl,
        );
      });
    },
  );

  check(
    {
      id: 'rejects-replayed',
      title:
        'a signature older or newer than toleranceMs is rejected, for any toleranceMs, and one exactly at the limit is accepted',
      item: 'security',
      weight: 2,
      redFlag: 'security-vulnerability',
      rules: ['signature-tolerance', 'signature-valid', 'status-forward'],
    },
    async ({ impl }) => {
      for (const toleranceMs of [300_000, 1_000, 61_000, 3_600_000]) {
        await withHandler(impl, { toleranceMs }, async ({ handler, clock }) => {
          const nowSeconds = Math.floor(clock.now() / 1000);
          const limit = toleranceMs / 1000;
          const delivery = (key: string, t: number) =>
            signedDelivery(JSON.stringify(webhook({ idempotencyKey: key, status: 'pending' })), {
              secrets: [SECRET],
              timestampSeconds: t,
            });
          const label = `with toleranceMs ${toleranceMs}`;
          await expectCall(
            () => handler.receiveWebhook(delivery('evt_old', nowSeconds - limit - 1)),
            rejected('stale-timestamp'),
            `${label}, a delivery signed ${limit + 1} s ago`,
            impl,
          );
          await expectCall(
            () => handler.receiveWebhook(delivery('evt_new', nowSeconds + limit + 1)),
            rejected('stale-timestamp'),
            `${label}, a delivery signed ${limit + 1} s in the future`,
            impl,
          );
          await expectCall(
            () => handler.receiveWebhook(delivery('evt_at_old', nowSeconds - limit)),
            processed(),
            `${label}, a delivery signed exactly ${limit} s ago`,
            impl,
          );
          await expectCall(
            () => handler.receiveWebhook(delivery('evt_at_new', nowSeconds + limit)),
            ignored,
            `${label}, a delivery signed exactly ${limit} s in the future`,
            impl,
          );
          await clock.advance(1);
          await expectCall(
            () => handler.receiveWebhook(delivery('evt_at_old_2', nowSeconds - limit)),
            rejected('stale-timestamp'),
            `${label}, a delivery signed ${limit} s and 1 ms ago`,
            impl,
          );
        });
      }
    },
  );

  check(
    {
      id: 'constant-time-comparison',
      title: 'signatures are compared with crypto.timingSafeEqual, never with ===',
      item: 'security',
      weight: 1,
      redFlag: 'security-vulnerability',
      rules: ['signature-timing-safe', 'signature-valid', 'signature-before-storing'],
    },
    async ({ impl }) => {
      await withHandler(impl, {}, async ({ handler, clock }) => {
        const body = JSON.stringify(webhook());
        const t = Math.floor(clock.now() / 1000);
        const genuine = signedDelivery(body, { secrets: [SECRET], timestampSeconds: t });
        const good = signature(body, SECRET, t);
        // Right length and format, wrong in the last byte: only a real comparison can tell.
        const forgedDelivery = withHeader(body, `t=${t},v1=${good.slice(0, -2)}${good.endsWith('00') ? '11' : '00'}`);
        const original = crypto.timingSafeEqual;
        const comparisons: boolean[] = [];
        crypto.timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView): boolean => {
          const equal = original(a, b);
          comparisons.push(equal);
          return equal;
        };
        syncBuiltinESMExports();
        let forgedResult: unknown;
        let genuineResult: unknown;
        let forgedComparisons: boolean[] = [];
        try {
          forgedResult = await handler.receiveWebhook(forgedDelivery);
          forgedComparisons = comparisons.splice(0);
          genuineResult = await handler.receiveWebhook(genuine);
        } finally {
          crypto.timingSafeEqual = original;
          syncBuiltinESMExports();
        }
        expect(shown(forgedResult), 'a delivery whose signature differs in its last byte').toMatch(/^rejected 401/);
        expect(shown(genuineResult), 'the genuine delivery').toBe('processed 200');
        expect(
          forgedComparisons.length,
          'checking a forged signature never called crypto.timingSafeEqual: it was compared some other way (===?)',
        ).toBeGreaterThan(0);
        expect(
          comparisons.includes(true),
          'accepting the genuine signature never got true from crypto.timingSafeEqual',
        ).toBe(true);
      });
    },
  );

  check(
    {
      id: 'secret-rotation',
      title:
        'during a secret rotation a delivery signed with either secret, or carrying several signatures in any order, is accepted',
      item: 'security',
      weight: 2,
      rules: ['signature-rotation', 'signature-valid'],
    },
    async ({ impl }) => {
      const oldSecret = 'whsec_old_0001';
      const newSecret = 'whsec_new_0002';
      for (const configured of [
        [newSecret, oldSecret],
        [oldSecret, newSecret],
      ]) {
        await withHandler(impl, { secret: configured }, async ({ handler, clock }) => {
          const deliveries: [string, string, readonly string[]][] = [
            ['the new secret', 'evt_new', [newSecret]],
            ['the old secret', 'evt_old', [oldSecret]],
            ['an unknown secret, then the old one', 'evt_both', ['whsec_unknown', oldSecret]],
            ['the new secret, then an unknown one', 'evt_both2', [newSecret, 'whsec_unknown']],
          ];
          for (const [label, key, secrets] of deliveries) {
            const body = JSON.stringify(webhook({ paymentId: `pay_${key}`, idempotencyKey: key, status: 'pending' }));
            const delivery = signedDelivery(body, { secrets, timestampSeconds: Math.floor(clock.now() / 1000) });
            await expectCall(
              () => handler.receiveWebhook(delivery),
              processed(),
              `a delivery signed with ${label}, while the handler holds ${show(configured)}`,
              impl,
            );
          }
        });
      }
      await withHandler(impl, { secret: newSecret }, async ({ handler, clock }) => {
        const t = Math.floor(clock.now() / 1000);
        const both = signedDelivery(JSON.stringify(webhook({ status: 'pending' })), {
          secrets: [oldSecret, newSecret],
          timestampSeconds: t,
        });
        await expectCall(
          () => handler.receiveWebhook(both),
          processed(),
          'a delivery carrying an old-secret and a new-secret signature',
          impl,
        );
        const retired = signedDelivery(JSON.stringify(webhook({ paymentId: 'pay_2', idempotencyKey: 'evt_2' })), {
          secrets: [oldSecret],
          timestampSeconds: t,
        });
        await expectCall(
          () => handler.receiveWebhook(retired),
          rejected('bad-signature'),
          'a delivery signed only with the retired secret',
          impl,
        );
      });
    },
  );

  check(
    {
      id: 'verifies-raw-body',
      title: 'the signature is checked over the raw body as sent, whatever its formatting',
      item: 'security',
      weight: 1,
      rules: ['signature-raw-body', 'signature-valid'],
    },
    async ({ impl }) => {
      await withHandler(impl, {}, async ({ handler, clock }) => {
        const t = Math.floor(clock.now() / 1000);
        const formatted = `{\n  "idempotencyKey": "evt_1",\n  "userId": "user_1",\n  "amount": 4900.0,\n  "status": "pending",\n  "paymentId": "pay_123"\n}\n`;
        expect(JSON.parse(formatted), 'the formatted body').toEqual(webhook({ status: 'pending' }));
        await expectCall(
          () => handler.receiveWebhook(signedDelivery(formatted, { secrets: [SECRET], timestampSeconds: t })),
          processed(),
          'a pretty-printed body, signed as sent',
          impl,
        );
        const unicode = JSON.stringify(
          webhook({ paymentId: 'pay_é✓', idempotencyKey: 'evt_2', status: 'pending' }),
        ).replace('é✓', '\\u00e9\\u2713');
        await expectCall(
          () => handler.receiveWebhook(signedDelivery(unicode, { secrets: [SECRET], timestampSeconds: t })),
          processed(),
          'a body with \\u escapes, signed as sent',
          impl,
        );
        expect(await handler.getPaymentStatus('pay_é✓'), 'the payment named with \\u escapes').toBe('pending');
      });
    },
  );

  // -------------------------------------------------------------------------------------------
  // Bad input

  check(
    {
      id: 'malformed-payloads',
      title:
        'every malformed payload is rejected with an InvalidWebhookError whose field names the field and whose message says what was received, and stores nothing',
      item: 'code-error-handling',
      weight: 2,
      redFlag: 'no-error-handling',
      rules: [
        'invalid-webhook-error',
        'payload-not-object',
        'payload-status',
        'payload-amount',
        'payload-idempotency-key',
        'payload-ids',
        'invalid-stores-nothing',
        'body-not-json',
        'signature-valid',
      ],
    },
    async ({ impl }) => {
      await withHandler(impl, {}, async (env) => {
        const { handler, clock } = env;
        const before = await env.world.dump();
        const t = Math.floor(clock.now() / 1000);
        for (const malformed of MALFORMED_CASES) {
          const payload = malformedPayload(webhook() as Webhook, malformed);
          const label = `${malformed.field === 'payload' ? 'the payload' : malformed.field} = ${show(malformed.value)}`;
          await expectCall(
            () => handler.handlePaymentWebhook(payload as Kata.PaymentWebhook),
            malformedError(malformed, false),
            `handlePaymentWebhook with ${label}`,
            impl,
          );
          const signed = signedDelivery(JSON.stringify(payload) ?? 'null', { secrets: [SECRET], timestampSeconds: t });
          await expectCall(
            () => handler.receiveWebhook(signed),
            malformedError(malformed, true),
            `receiveWebhook with ${label}, genuinely signed`,
            impl,
          );
        }
        for (const body of ['{"paymentId": "pay_123", ', '', 'paymentId=pay_123&status=success']) {
          await expectCall(
            () => handler.receiveWebhook(signedDelivery(body, { secrets: [SECRET], timestampSeconds: t })),
            expectError('InvalidWebhookError', { code: 'ERR_INVALID_WEBHOOK', fields: { field: 'body' } }),
            `receiveWebhook with the body ${show(body)}, genuinely signed`,
            impl,
          );
        }
        await expectNothingStored(env, before, 'after malformed deliveries of evt_1');
        for (const value of [1, Number.MAX_SAFE_INTEGER]) {
          await expectCall(
            () =>
              handler.handlePaymentWebhook(
                webhook({
                  amount: value,
                  status: 'pending',
                  paymentId: `pay_amount_${value}`,
                  idempotencyKey: `evt_amount_${value}`,
                }),
              ),
            processed(),
            `an amount of ${value}`,
            impl,
          );
        }
        for (const key of ['k', 'k'.repeat(255), '🎟'.repeat(100), 'évt 1/2?&#']) {
          await expectCall(
            () =>
              handler.handlePaymentWebhook(
                webhook({ idempotencyKey: key, status: 'pending', paymentId: `pay_${key.length}` }),
              ),
            processed(),
            `an idempotency key of ${key.length} UTF-16 units`,
            impl,
          );
        }
        await expectCall(
          () => handler.handlePaymentWebhook(webhook()),
          processedWithSubscription,
          'a valid evt_1 after the malformed ones',
          impl,
        );
      });
    },
  );

  check(
    {
      id: 'ids-any-text',
      title:
        'payment and user ids are kept exactly, whatever their characters, and payments whose ids differ only in case get their own downstream keys; an empty or over-long id is handled or rejected cleanly',
      item: 'code-error-handling',
      weight: 1,
      rules: [
        'payload-ids',
        'payload-ids-empty-either-way',
        'downstream-key',
        'downstream-outside-transaction',
        'invalid-webhook-error',
        'invalid-stores-nothing',
      ],
    },
    async ({ impl }) => {
      await withHandler(impl, {}, async ({ handler, service }) => {
        const ids = [
          'Pay_1',
          'pay_1',
          'pay 1',
          ' pay_1',
          'pay_1 ',
          'pé',
          'pe\u0301',
          'pay_🧾',
          'pay-1.2/3',
          'p'.repeat(255),
        ];
        for (const [index, paymentId] of ids.entries()) {
          const userId = `${['User', 'user', 'ü', '👤'][index % 4]}_${paymentId.slice(0, 8)}`;
          // The event's key follows its payment id, so keys too differ only in case or in one character.
          const idempotencyKey = `evt_${paymentId.slice(0, 240)}`;
          const event = webhook({ paymentId, userId, idempotencyKey, amount: 100 + index });
          await handler.handlePaymentWebhook(event);
          expect(await handler.getPaymentStatus(paymentId), `the status of payment ${show(paymentId)}`).toBe('success');
          const call = service.calls.at(-1);
          expect(
            await handler.getSubscriptionsByPaymentId(paymentId),
            `the record of payment ${show(paymentId)}`,
          ).toEqual([
            { subscriptionId: call?.subscriptionId, paymentId, userId, amount: 100 + index, createdAt: call?.at },
          ]);
        }
        expect(service.calls.length, 'calls for 10 payments whose ids differ in one character or in case').toBe(
          ids.length,
        );
        expect(
          callProblems(service.calls)[0],
          'calls for 10 payments whose ids and event keys differ in one character or in case',
        ).toBeUndefined();
        for (const [field, value] of [
          ['paymentId', ''],
          ['userId', ''],
          ['paymentId', 'p'.repeat(256)],
          ['userId', 'u'.repeat(300)],
        ] as const) {
          const key = `evt_${field}_${value.length}`;
          const event = webhook({
            [field]: value,
            idempotencyKey: key,
            status: 'pending',
            ...(field === 'userId' ? { paymentId: `pay_${key}` } : {}),
          });
          const outcome = await settle(() => handler.handlePaymentWebhook(event));
          const what = `a ${field} of ${value.length} characters`;
          if (outcome.ok) {
            expect(shown(outcome.value), `${what} was accepted, so it must be handled like any id`).toBe(
              'processed 200',
            );
            expect(await handler.getPaymentStatus(event.paymentId), `${what}: the status of its payment`).toBe(
              'pending',
            );
            await expectCall(() => handler.handlePaymentWebhook(event), duplicate, `${what}, delivered again`, impl);
          } else {
            expectOutcome(
              outcome,
              expectError('InvalidWebhookError', { code: 'ERR_INVALID_WEBHOOK', fields: { field } }),
              `${what}, rejected,`,
              impl as unknown as Record<string, unknown>,
            );
            const valid = webhook({ idempotencyKey: key, status: 'pending', paymentId: `pay_${key}` });
            await expectCall(
              () => handler.handlePaymentWebhook(valid),
              processed(),
              `${what} rejected, then a valid event with its key`,
              impl,
            );
          }
        }
      });
    },
  );

  check(
    {
      id: 'bad-options',
      title:
        'options the handler cannot use are rejected with a TypeError naming them; every positive integer is accepted; 0 is rejected or used as zero',
      item: 'code-error-handling',
      weight: 2,
      redFlag: 'no-error-handling',
      rules: ['options-rejected', 'option-zero-either-way'],
    },
    async ({ impl }) => {
      const database = createTestDatabase();
      try {
        const clock = { now: () => Date.UTC(2026, 0, 1), sleep: async () => undefined };
        const base = { db: database.db, subscriptions: new FakeSubscriptionService(clock.now), clock, secret: SECRET };
        const create = (options: Record<string, unknown>) =>
          settle(() => impl.createPaymentWebhookHandler({ ...base, ...options } as Kata.PaymentWebhookOptions));
        const numbers = ['leaseMs', 'maxAttempts', 'baseDelayMs', 'retentionMs', 'toleranceMs'] as const;
        const bad: [string, unknown][] = [
          ...numbers.flatMap((name) =>
            [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '1000', true, 2 ** 53].map(
              (value): [string, unknown] => [name, value],
            ),
          ),
          ['leaseMs', 0],
          ['maxAttempts', 0],
          ...['', [], [''], [SECRET, ''], 42, undefined, null, [SECRET, 7]].map((value): [string, unknown] => [
            'secret',
            value,
          ]),
          ...['db', 'subscriptions', 'clock'].flatMap((name) =>
            [undefined, null, {}].map((value): [string, unknown] => [name, value]),
          ),
          // The README's clock has both methods; one of them alone is a clock without its methods.
          ['clock', { now: clock.now }],
          ['clock', { sleep: clock.sleep }],
        ];
        for (const [name, value] of bad) {
          const outcome = await create({ [name]: value });
          expectOutcome(
            outcome,
            expectError('TypeError', { mentions: [name] }),
            `createPaymentWebhookHandler with ${name} = ${show(value)}`,
          );
        }
        for (const [name, value] of [
          ['leaseMs', 1],
          ['maxAttempts', 1],
          ['baseDelayMs', 1],
          ['retentionMs', 1],
          ['toleranceMs', 1],
          ['leaseMs', 2 ** 40],
          ['maxAttempts', 1000],
          ['toleranceMs', Number.MAX_SAFE_INTEGER],
          ['secret', [SECRET]],
          ['secret', ['whsec_a', 'whsec_b', 'whsec_c']],
          ['leaseMs', undefined],
        ] as const) {
          const outcome = await create({ [name]: value });
          expect(
            outcome.ok,
            `createPaymentWebhookHandler with ${name} = ${show(value)} rejected ${outcome.ok ? '' : show(outcome.error)}`,
          ).toBe(true);
        }
      } finally {
        await database.close();
      }
      for (const name of ['baseDelayMs', 'retentionMs', 'toleranceMs'] as const) {
        const world = await settle(() =>
          World.create(impl, { handler: { secret: SECRET, [name]: 0, maxAttempts: 2 } }),
        );
        if (!world.ok) {
          expectOutcome(
            world,
            expectError('TypeError', { mentions: [name] }),
            `createPaymentWebhookHandler with ${name} = 0 rejected, so it`,
          );
          continue;
        }
        const { clock, service } = world.value;
        const handler = world.value.instances[0]!.handler;
        try {
          if (name === 'baseDelayMs') {
            service.plan(fail());
            const start = clock.now();
            await finished(() => handler.handlePaymentWebhook(webhook()), clock, 'the delivery');
            expect(
              service.calls.map((call) => call.at - start),
              'with baseDelayMs 0 accepted, when the service was called',
            ).toEqual([0, 0]);
          } else if (name === 'retentionMs') {
            await handler.handlePaymentWebhook(webhook({ status: 'pending' }));
            expect(
              await handler.purgeExpired(),
              'with retentionMs 0 accepted, purgeExpired() at the instant the event finished',
            ).toBe(0);
            await clock.advance(1);
            expect(
              await handler.purgeExpired(),
              'with retentionMs 0 accepted, purgeExpired() 1 ms after the event finished',
            ).toBe(1);
          } else {
            const body = JSON.stringify(webhook({ status: 'pending' }));
            const now = clock.now();
            await expectCall(
              () => handler.receiveWebhook(signedDelivery(body, { secrets: [SECRET], timestampSeconds: now / 1000 })),
              processed(),
              'with toleranceMs 0 accepted, a delivery signed this very second',
              impl,
            );
            await clock.advance(1);
            await expectCall(
              () => handler.receiveWebhook(signedDelivery(body, { secrets: [SECRET], timestampSeconds: now / 1000 })),
              rejected('stale-timestamp'),
              'with toleranceMs 0 accepted, a delivery signed 1 ms ago',
              impl,
            );
          }
        } finally {
          await world.value.close();
        }
      }
    },
  );

  check(
    {
      id: 'option-defaults',
      title:
        'options left out take their defaults: a 30 s lease, 5 attempts 1 s apart and doubling, 7 days of memory, 5 minutes of tolerance',
      item: 'api-design',
      weight: 1,
      rules: [
        'option-defaults',
        'lease-conflict',
        'purge-spares-unfinished',
        'result-shape',
        'retention-keeps',
        'retry-backoff',
        'retry-max-attempts',
        'signature-tolerance',
        'signature-valid',
        'signature-before-storing',
      ],
    },
    async ({ impl }) => {
      await withHandler(impl, { secret: SECRET }, async ({ handler, service, clock }) => {
        const start = clock.now();
        service.otherwise = fail();
        const result = await finished(() => handler.handlePaymentWebhook(webhook()), clock, 'the delivery');
        expect(result, 'the result once the default attempts failed').toEqual({
          outcome: 'dead-lettered',
          httpStatus: 202,
          attempts: 5,
        });
        expect(
          service.calls.map((call) => call.at - start),
          'when the service was called, with the defaults',
        ).toEqual([0, 1_000, 3_000, 7_000, 15_000]);
        service.otherwise = hang;
        const leaseStart = clock.now();
        void handler
          .handlePaymentWebhook(webhook({ paymentId: 'pay_2', idempotencyKey: 'evt_2' }))
          .catch(() => undefined);
        await until(() => service.stuck === 1);
        await clock.advance(10_000);
        await expectCall(
          () => handler.handlePaymentWebhook(webhook({ paymentId: 'pay_2', idempotencyKey: 'evt_2' })),
          inProgress(leaseStart + 30_000 - clock.now()),
          'a redelivery 10 s into the default lease',
          impl,
        );
        const t = Math.floor(clock.now() / 1000);
        const body = JSON.stringify(webhook({ paymentId: 'pay_3', idempotencyKey: 'evt_3', status: 'pending' }));
        await expectCall(
          () => handler.receiveWebhook(signedDelivery(body, { secrets: [SECRET], timestampSeconds: t - 301 })),
          rejected('stale-timestamp'),
          'a delivery signed 301 s ago, with the default tolerance',
          impl,
        );
        await expectCall(
          () => handler.receiveWebhook(signedDelivery(body, { secrets: [SECRET], timestampSeconds: t - 299 })),
          processed(),
          'a delivery signed 299 s ago, with the default tolerance',
          impl,
        );
        const finishedAt = clock.now();
        await clock.advance(7 * DAY_MS);
        expect(await handler.purgeExpired(), 'purgeExpired() exactly 7 days after pay_3 finished').toBe(0);
        await clock.advance(finishedAt + 7 * DAY_MS + 1 - clock.now());
        expect(await handler.purgeExpired(), 'purgeExpired() 7 days and 1 ms after pay_3 finished').toBe(1);
      });
    },
  );

  // -------------------------------------------------------------------------------------------
  // Several instances

  check(
    {
      id: 'state-across-instances',
      title:
        'what one instance did, another instance and a restarted one see: duplicates, statuses, subscriptions and the dead-letter queue',
      item: 'load-balancing',
      weight: 2,
      rules: ['state-in-database', 'dead-letter-in-database', 'duplicate-delivery', 'retry-max-attempts'],
    },
    async ({ impl }) => {
      await withHandler(
        impl,
        { maxAttempts: 1 },
        async ({ world, service, clock }) => {
          const [a, b] = world.instances as [(typeof world.instances)[0], (typeof world.instances)[0]];
          await a.handler.handlePaymentWebhook(webhook({ status: 'pending', idempotencyKey: 'evt_0' }));
          expect(await b.handler.getPaymentStatus('pay_123'), 'instance 2 reads the status instance 1 set').toBe(
            'pending',
          );
          await b.handler.handlePaymentWebhook(webhook());
          expect(await a.handler.getPaymentStatus('pay_123'), 'instance 1 reads the status instance 2 set').toBe(
            'success',
          );
          await expectCall(
            () => a.handler.handlePaymentWebhook(webhook()),
            duplicate,
            'instance 1 gets the event instance 2 processed',
            impl,
          );
          expect(
            await a.handler.getSubscriptionsByPaymentId('pay_123'),
            'instance 1 reads the record instance 2 made',
          ).toEqual(await b.handler.getSubscriptionsByPaymentId('pay_123'));
          service.plan(fail(new Error('down on instance 1')));
          await finished(
            () => a.handler.handlePaymentWebhook(webhook({ paymentId: 'pay_9', idempotencyKey: 'evt_9' })),
            clock,
            'the delivery',
          );
          const letter = {
            idempotencyKey: 'evt_9',
            webhook: webhook({ paymentId: 'pay_9', idempotencyKey: 'evt_9' }),
            attempts: 1,
            lastError: 'down on instance 1',
            deadLetteredAt: clock.now(),
          };
          expect(await b.handler.listDeadLetters(), 'instance 2 lists the dead letter instance 1 made').toEqual([
            letter,
          ]);
          await world.restart(0);
          const restarted = world.instances[0]!;
          expect(
            await restarted.handler.listDeadLetters(),
            'a restarted instance 1 lists the dead letter it made',
          ).toEqual([letter]);
          expect(await restarted.handler.getPaymentStatus('pay_123'), 'a restarted instance reads the status').toBe(
            'success',
          );
          await expectCall(
            () => restarted.handler.handlePaymentWebhook(webhook({ status: 'pending', idempotencyKey: 'evt_0' })),
            duplicate,
            'a restarted instance gets an event it processed before',
            impl,
          );
          const replayed = await finished(() => b.handler.replayDeadLetter('evt_9'), clock, 'the replay on instance 2');
          expect(shown(replayed), 'instance 2 replays the dead letter instance 1 made').toBe('processed 200');
          expect(
            await restarted.handler.listDeadLetters(),
            'the queue on instance 1 once instance 2 replayed it',
          ).toEqual([]);
        },
        { instances: 2 },
      );
    },
  );
});
