import fc from 'fast-check';
import crypto, { createHmac } from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { setImmediate } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { createManualClock, defineSpec, type ManualClock } from '../../harness/kit/index.ts';
import { createTestDatabase, type DatabaseOptions, type TestDatabase } from '../../harness/kit/db/index.ts';
import { runWorkers } from '../../harness/kit/workers/index.ts';
import type { InstanceArgs, InstanceReport } from './app-instance.ts';
import type * as Kata from './index.ts';

type Impl = typeof Kata;
type Handler = Kata.PaymentWebhookHandler;
type Result = Kata.WebhookResult;

const SECRET = 'whsec_spec_5a1f0c9e';
const SIGNATURE_HEADER = 'payment-signature';
const DAY_MS = 24 * 60 * 60 * 1000;
const UNAVAILABLE = 'subscription service unavailable (503)';
const APP_INSTANCE = fileURLToPath(new URL('./app-instance.ts', import.meta.url));

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
// The subscription service the handler calls: it deduplicates by idempotency key like a real
// payment-grade API, and follows a script of failures, hangs and held answers.

type Behaviour =
  /** Rejects, as an unhealthy service does. */
  | 'fail'
  /** Never answers and creates nothing: the caller's process died before the request left. */
  | 'hang'
  /** Creates the subscription but holds the answer until release(): the caller died before committing. */
  | 'hold';

interface Call {
  readonly request: Kata.SubscriptionRequest;
  readonly idempotencyKey: unknown;
  /** clock.now() when the call arrived. */
  readonly at: number;
}

class FakeSubscriptionService implements Kata.SubscriptionService {
  readonly calls: Call[] = [];
  /** Subscriptions that really exist on the service's side. */
  readonly created: string[] = [];
  /** What happens to calls once the script runs out. */
  otherwise: Behaviour | 'ok' = 'ok';
  /** Runs when a call is about to answer successfully (the spec's hook for "right after the call"). */
  onAnswer: (() => void) | undefined;
  private readonly script: (Behaviour | 'ok')[] = [];
  private readonly byKey = new Map<string, string>();
  private readonly held: (() => void)[] = [];

  constructor(private readonly clock: ManualClock) {}

  plan(...behaviours: (Behaviour | 'ok')[]): void {
    this.script.push(...behaviours);
  }

  /** Lets every held answer through. */
  release(): void {
    for (const answer of this.held.splice(0)) answer();
  }

  async create(request: Kata.SubscriptionRequest, options: { readonly idempotencyKey: string }) {
    const idempotencyKey = (options as { idempotencyKey?: unknown } | undefined)?.idempotencyKey;
    this.calls.push({ request: { ...request }, idempotencyKey, at: this.clock.now() });
    const behaviour = this.script.shift() ?? this.otherwise;
    await Promise.resolve();
    if (behaviour === 'fail') throw new Error(UNAVAILABLE);
    if (behaviour === 'hang') return new Promise<never>(() => {});
    const subscriptionId = this.subscriptionFor(idempotencyKey);
    if (behaviour === 'hold') await new Promise<void>((resolve) => this.held.push(resolve));
    this.onAnswer?.();
    return { subscriptionId };
  }

  private subscriptionFor(key: unknown): string {
    const known = typeof key === 'string' && key !== '' ? this.byKey.get(key) : undefined;
    if (known !== undefined) return known;
    const subscriptionId = `sub_${this.created.length + 1}`;
    this.created.push(subscriptionId);
    if (typeof key === 'string' && key !== '') this.byKey.set(key, subscriptionId);
    return subscriptionId;
  }
}

// ---------------------------------------------------------------------------------------------
// Environment

interface Env {
  readonly handler: Handler;
  readonly clock: ManualClock;
  readonly service: FakeSubscriptionService;
  readonly database: TestDatabase;
  readonly impl: Impl;
}

type HandlerOptions = Partial<Omit<Kata.PaymentWebhookOptions, 'db' | 'subscriptions' | 'clock'>>;

async function withHandler(
  impl: Impl,
  options: HandlerOptions,
  body: (env: Env) => Promise<void>,
  databaseOptions: DatabaseOptions = {},
): Promise<void> {
  const database = createTestDatabase(databaseOptions);
  try {
    const clock = createManualClock();
    const service = new FakeSubscriptionService(clock);
    const handler = await impl.createPaymentWebhookHandler({
      db: database.db,
      subscriptions: service,
      clock,
      secret: SECRET,
      ...options,
    });
    await body({ handler, clock, service, database, impl });
  } finally {
    await database.close();
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Lets database work run until `done()` holds, without moving the clock. */
async function until(done: () => boolean, turns = 20_000): Promise<boolean> {
  for (let turn = 0; turn < turns && !done(); turn++) await nextTurn();
  return done();
}

type Settled<T> =
  | { readonly state: 'fulfilled'; readonly value: T }
  | { readonly state: 'rejected'; readonly error: unknown }
  | { readonly state: 'pending' };

function track<T>(promise: Promise<T>): { readonly current: () => Settled<T> } {
  let settled: Settled<T> = { state: 'pending' };
  promise.then(
    (value) => (settled = { state: 'fulfilled', value }),
    (error: unknown) => (settled = { state: 'rejected', error }),
  );
  return { current: () => settled };
}

/**
 * Runs a call to the end, moving the manual clock forward whenever the handler is waiting on
 * clock.sleep, at most `maxWaits` times. Resolves to "pending" when the handler is still waiting
 * after that, or neither finished nor waits on the clock.
 */
async function runWithClock<T>(promise: Promise<T>, clock: ManualClock, maxWaits = 40): Promise<Settled<T>> {
  const tracked = track(promise);
  for (let waits = 0; ; waits++) {
    await until(() => tracked.current().state !== 'pending' || clock.pending > 0);
    if (tracked.current().state !== 'pending' || clock.pending === 0 || waits >= maxWaits) return tracked.current();
    await clock.advanceToNext();
  }
}

async function finished<T>(promise: Promise<T>, clock: ManualClock, what: string): Promise<T> {
  const settled = await runWithClock(promise, clock);
  if (settled.state === 'rejected') throw settled.error;
  if (settled.state === 'pending') {
    throw new Error(
      clock.pending > 0
        ? `${what} never finished: it was still waiting on clock.sleep after 40 waits`
        : `${what} never finished, and is not waiting on clock.sleep`,
    );
  }
  return settled.value;
}

function shown(result: unknown): string {
  if (typeof result !== 'object' || result === null) return String(result);
  const { outcome, httpStatus, reason } = result as Record<string, unknown>;
  return [outcome, httpStatus, reason].filter((part) => part !== undefined).join(' ');
}

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

async function subscriptionCount(handler: Handler, paymentId = 'pay_123'): Promise<number> {
  return (await handler.getSubscriptionsByPaymentId(paymentId)).length;
}

// ---------------------------------------------------------------------------------------------
// The provider's side of signatures

function signature(rawBody: string, secret: string, timestampSeconds: number): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`).digest('hex');
}

function signed(
  rawBody: string,
  nowMs: number,
  { secrets = [SECRET], timestampSeconds }: { secrets?: readonly string[]; timestampSeconds?: number } = {},
): Kata.SignedDelivery {
  const t = timestampSeconds ?? Math.floor(nowMs / 1000);
  const parts = [`t=${t}`, ...secrets.map((secret) => `v1=${signature(rawBody, secret, t)}`)];
  return { rawBody, headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: parts.join(',') } };
}

function withHeader(rawBody: string, header: string | undefined): Kata.SignedDelivery {
  return { rawBody, headers: header === undefined ? {} : { [SIGNATURE_HEADER]: header } };
}

/** Asserts that nothing was stored (the database is as it was) and nobody was called. */
async function expectNothingStored(
  { handler, service, database }: Env,
  before: Awaited<ReturnType<TestDatabase['dump']>>,
  after: string,
): Promise<void> {
  const now = await database.dump();
  const changed = Object.keys({ ...before, ...now }).filter(
    (table) => JSON.stringify(before[table] ?? []) !== JSON.stringify(now[table] ?? []),
  );
  const counts = changed.map((table) => `${table} ${before[table]?.length ?? 0} -> ${now[table]?.length ?? 0} rows`);
  expect(counts.join(', '), `${after}, the database changed`).toBe('');
  expect(await handler.getPaymentStatus('pay_123'), `${after}, payment pay_123 has a status`).toBeUndefined();
  expect(service.calls.length, `${after}, the subscription service was called`).toBe(0);
}

export default defineSpec<Impl>('payment-webhook', ({ check }) => {
  check(
    {
      id: 'triple-delivery',
      title: 'the seeds test: the same webhook delivered three times creates one subscription',
      item: 'idempotency',
      weight: 3,
      redFlag: 'no-idempotency',
    },
    async ({ impl }) => {
      await withHandler(impl, {}, async ({ handler, service }) => {
        const results: Result[] = [];
        for (let delivery = 0; delivery < 3; delivery++) results.push(await handler.handlePaymentWebhook(webhook()));
        const subscriptions = await subscriptionCount(handler);
        expect(subscriptions, `3 deliveries of event evt_1 created ${subscriptions} subscriptions`).toBe(1);
        expect(
          service.calls.length,
          `3 deliveries of event evt_1 made ${service.calls.length} subscription calls`,
        ).toBe(1);
        expect(results.map(shown).join(', '), 'the answers to the three deliveries').toBe(
          'processed 200, duplicate 200, duplicate 200',
        );
        expect(await handler.getPaymentStatus('pay_123'), 'the status of pay_123').toBe('success');
      });
    },
  );

  check(
    {
      id: 'concurrent-deliveries',
      title: '1000 concurrent deliveries of one event create one subscription with one call',
      item: 'race-conditions',
      weight: 3,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 30_000,
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
          const subscriptions = await subscriptionCount(handler);
          expect(subscriptions, `1000 concurrent deliveries of evt_1 created ${subscriptions} subscriptions`).toBe(1);
          expect(
            service.calls.length,
            `1000 concurrent deliveries of evt_1 made ${service.calls.length} calls to the subscription service`,
          ).toBe(1);
          const outcomes = results.map((result) => shown((result as PromiseFulfilledResult<Result>).value));
          const processed = outcomes.filter((outcome) => outcome.startsWith('processed')).length;
          expect(processed, `${processed} of 1000 concurrent deliveries answered "processed"`).toBe(1);
          const others = new Set(outcomes.filter((outcome) => !outcome.startsWith('processed')));
          for (const outcome of others) {
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
    },
    async ({ impl, targetFile, seed }) => {
      const database = createTestDatabase();
      try {
        // Set up the schema through the first instance here, so an untouched stub is "not started".
        const clock = createManualClock();
        const handler = await impl.createPaymentWebhookHandler({
          db: database.db,
          subscriptions: new FakeSubscriptionService(clock),
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
        const subscriptions = await subscriptionCount(handler);
        expect(subscriptions, `4 instances x 250 deliveries of evt_1 created ${subscriptions} subscriptions`).toBe(1);
        const processed = answers.filter((answer) => answer.startsWith('processed')).length;
        expect(processed, `${processed} of 1000 deliveries on 4 instances answered "processed"`).toBe(1);
      } finally {
        await database.close();
      }
    },
  );

  check(
    {
      id: 'payload-mismatch',
      title: 'an idempotency key reused with a different payload is a 422 conflict and changes nothing',
      item: 'idempotency',
      weight: 2,
    },
    async ({ impl }) => {
      await withHandler(impl, {}, async ({ handler, service }) => {
        await handler.handlePaymentWebhook(webhook());
        const changes: [string, Partial<Record<keyof Kata.PaymentWebhook, unknown>>][] = [
          ['amount', { amount: 1 }],
          ['status', { status: 'failed' }],
          ['userId', { userId: 'user_2' }],
          ['paymentId', { paymentId: 'pay_999' }],
        ];
        for (const [field, change] of changes) {
          const result = await handler.handlePaymentWebhook(webhook(change));
          expect(shown(result), `evt_1 redelivered with another ${field}`).toBe('conflict 422 payload-mismatch');
        }
        expect(await handler.getPaymentStatus('pay_123'), 'the status of pay_123 after the conflicts').toBe('success');
        expect(await handler.getPaymentStatus('pay_999'), 'pay_999, only ever named by a conflicting payload').toBe(
          undefined,
        );
        expect(await subscriptionCount(handler), 'subscriptions of pay_123').toBe(1);
        expect(service.calls.length, 'calls to the subscription service').toBe(1);
        const sameAgain = await handler.handlePaymentWebhook(webhook());
        expect(shown(sameAgain), 'evt_1 redelivered unchanged after the conflicts').toBe('duplicate 200');
      });
    },
  );

  check(
    {
      id: 'no-status-downgrade',
      title: "a payment's status only moves forward: a 'pending' after a 'success' changes nothing",
      item: 'distributed-systems',
      weight: 2,
      redFlag: 'no-transaction-handling',
    },
    async ({ impl }) => {
      await withHandler(impl, {}, async ({ handler, service }) => {
        const deliver = (paymentId: string, status: string, key: string) =>
          handler.handlePaymentWebhook(webhook({ paymentId, status, idempotencyKey: key }));

        expect(shown(await deliver('pay_a', 'success', 'evt_a1')), "pay_a: 'success'").toBe('processed 200');
        expect(shown(await deliver('pay_a', 'pending', 'evt_a2')), "pay_a: 'pending' after 'success'").toBe(
          'ignored 200 stale-status',
        );
        expect(shown(await deliver('pay_a', 'failed', 'evt_a3')), "pay_a: 'failed' after 'success'").toBe(
          'ignored 200 stale-status',
        );
        expect(await handler.getPaymentStatus('pay_a'), "pay_a after 'success', 'pending', 'failed'").toBe('success');
        expect(await subscriptionCount(handler, 'pay_a'), 'subscriptions of pay_a').toBe(1);

        expect(shown(await deliver('pay_b', 'pending', 'evt_b1')), "pay_b: 'pending'").toBe('processed 200');
        expect(shown(await deliver('pay_b', 'failed', 'evt_b2')), "pay_b: 'failed' after 'pending'").toBe(
          'processed 200',
        );
        expect(await subscriptionCount(handler, 'pay_b'), "subscriptions of pay_b after 'failed'").toBe(0);
        expect(
          shown(await deliver('pay_b', 'success', 'evt_b3')),
          "pay_b: 'success' after 'failed' (card retried)",
        ).toBe('processed 200');
        expect(await handler.getPaymentStatus('pay_b'), 'pay_b at the end').toBe('success');
        expect(await subscriptionCount(handler, 'pay_b'), 'subscriptions of pay_b').toBe(1);

        expect(shown(await deliver('pay_c', 'failed', 'evt_c1')), "pay_c: 'failed'").toBe('processed 200');
        expect(shown(await deliver('pay_c', 'pending', 'evt_c2')), "pay_c: 'pending' after 'failed'").toBe(
          'ignored 200 stale-status',
        );
        expect(await handler.getPaymentStatus('pay_c'), "pay_c after 'failed', 'pending'").toBe('failed');
        expect(service.calls.length, 'calls to the subscription service for pay_a, pay_b and pay_c').toBe(2);
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
    },
    async ({ impl, property }) => {
      const rank = { pending: 0, failed: 1, success: 2 } as const;
      type Status = keyof typeof rank;
      // Statuses of distinct events for one payment, and a delivery order in which every event
      // arrives at least once and some arrive again.
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
            expect(await subscriptionCount(handler, paymentId), `subscriptions after events ${delivered}`).toBe(
              expected,
            );
            expect(service.calls.length - callsBefore, `subscription calls after events ${delivered}`).toBe(expected);
          }),
          { numRuns: 40 },
        );
      });
    },
  );

  check(
    {
      id: 'releases-key-on-failure',
      title: 'a failure while processing gives the event back, so the provider redelivery succeeds',
      item: 'transactions',
      weight: 3,
      redFlag: 'no-transaction-handling',
    },
    async ({ impl }) => {
      await withHandler(impl, {}, async ({ handler, service, database, clock }) => {
        // The database fails the first write after the subscription service answers, as a full disk
        // or a lost connection would.
        service.onAnswer = () => {
          service.onAnswer = undefined;
          database.injectFault({ times: 1 });
        };
        const first = await runWithClock(handler.handlePaymentWebhook(webhook()), clock);
        expect(first.state, 'the delivery whose database write failed').not.toBe('pending');
        const redelivery = await handler.handlePaymentWebhook(webhook());
        const subscriptions = await subscriptionCount(handler);
        expect(
          subscriptions,
          `after a failed write and an immediate redelivery (answered ${shown(redelivery)}), pay_123 has ${subscriptions} subscriptions`,
        ).toBe(1);
        expect(['processed 200', 'duplicate 200'], 'the answer to the redelivery').toContain(shown(redelivery));
        expect(await handler.getPaymentStatus('pay_123'), 'the status of pay_123').toBe('success');
      });
    },
  );

  check(
    {
      id: 'in-progress-lease',
      title: 'a redelivery while the first delivery still works is told to retry later (409) and calls nothing',
      item: 'locking',
      weight: 2,
      redFlag: 'no-concurrency-handling',
    },
    async ({ impl }) => {
      await withHandler(impl, { leaseMs: 30_000 }, async ({ handler, service, clock }) => {
        service.plan('hang');
        void handler.handlePaymentWebhook(webhook()).catch(() => undefined);
        const started = await until(() => service.calls.length === 1);
        expect(started, 'the first delivery reached the subscription service').toBe(true);
        for (const elapsed of [0, 10_000]) {
          await clock.advance(elapsed);
          const result = await handler.handlePaymentWebhook(webhook());
          expect(shown(result), `a redelivery ${elapsed} ms into the first delivery`).toBe('conflict 409 in-progress');
          const retryAfterMs = (result as { retryAfterMs?: unknown }).retryAfterMs;
          expect(retryAfterMs, 'retryAfterMs').toBeTypeOf('number');
          expect(retryAfterMs as number, 'retryAfterMs').toBeGreaterThan(0);
          expect(retryAfterMs as number, 'retryAfterMs').toBeLessThanOrEqual(30_000);
        }
        expect(service.calls.length, 'calls to the subscription service').toBe(1);
        expect(await subscriptionCount(handler), 'subscriptions of pay_123').toBe(0);
      });
    },
  );

  check(
    {
      id: 'crash-recovery',
      title: 'a crash between recording the event and creating the subscription is recovered exactly once',
      item: 'error-recovery',
      weight: 3,
      redFlag: 'no-transaction-handling',
    },
    async ({ impl }) => {
      await withHandler(impl, { leaseMs: 30_000 }, async ({ handler, service, clock }) => {
        service.plan('hang');
        void handler.handlePaymentWebhook(webhook()).catch(() => undefined);
        await until(() => service.calls.length === 1);
        await clock.advance(30_001);
        const takeover = await finished(handler.handlePaymentWebhook(webhook()), clock, 'the redelivery');
        expect(shown(takeover), 'a redelivery after the crashed delivery lease ran out').toBe('processed 200');
        const subscriptions = await handler.getSubscriptionsByPaymentId('pay_123');
        expect(subscriptions.length, 'subscriptions of pay_123 after the takeover').toBe(1);
        expect(subscriptions[0]?.subscriptionId, 'the subscription recorded').toBe(service.created[0]);
        expect(service.created.length, 'subscriptions the subscription service holds').toBe(1);
        const again = await handler.handlePaymentWebhook(webhook());
        expect(shown(again), 'one more redelivery').toBe('duplicate 200');
        expect(await subscriptionCount(handler), 'subscriptions of pay_123 at the end').toBe(1);
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
    },
    async ({ impl }) => {
      await withHandler(impl, { leaseMs: 30_000 }, async ({ handler, service, clock }) => {
        // The service creates the subscription, but the process dies before it commits the answer.
        service.plan('hold');
        void handler.handlePaymentWebhook(webhook()).catch(() => undefined);
        await until(() => service.calls.length === 1);
        await clock.advance(30_001);
        await finished(handler.handlePaymentWebhook(webhook()), clock, 'the redelivery');
        const keys = service.calls.map((call) => call.idempotencyKey);
        expect(keys.length, 'calls to the subscription service').toBe(2);
        expect(keys[0], 'the idempotency key of the first call').toBeTypeOf('string');
        expect(keys[1], 'the idempotency key sent after the lost commit').toBe(keys[0]);
        expect(service.created.length, 'subscriptions the subscription service created').toBe(1);
        const subscriptions = await handler.getSubscriptionsByPaymentId('pay_123');
        expect(
          subscriptions.map((entry) => entry.subscriptionId),
          'the recorded subscriptions',
        ).toEqual(['sub_1']);
      });
    },
  );

  check(
    {
      id: 'stale-lease-holder',
      title: 'a delivery that wakes up after losing its lease writes nothing more',
      item: 'distributed-systems',
      weight: 2,
      redFlag: 'no-concurrency-handling',
    },
    async ({ impl }) => {
      await withHandler(impl, { leaseMs: 30_000 }, async ({ handler, service, clock }) => {
        service.plan('hold');
        const paused = handler.handlePaymentWebhook(webhook());
        await until(() => service.calls.length === 1);
        await clock.advance(30_001);
        await finished(handler.handlePaymentWebhook(webhook()), clock, 'the takeover');
        service.release();
        await runWithClock(paused, clock);
        const subscriptions = await subscriptionCount(handler);
        expect(
          subscriptions,
          `after the paused delivery woke up past its lease, pay_123 has ${subscriptions} subscription records`,
        ).toBe(1);
        expect(await handler.getPaymentStatus('pay_123'), 'the status of pay_123').toBe('success');
        expect(shown(await handler.handlePaymentWebhook(webhook())), 'one more redelivery').toBe('duplicate 200');
      });
    },
  );

  check(
    {
      id: 'exponential-backoff',
      title: 'a failing subscription call is retried after baseDelayMs, then twice that, then four times',
      item: 'system-error-handling',
      weight: 2,
      redFlag: 'no-retry-mechanism',
    },
    async ({ impl }) => {
      await withHandler(impl, { maxAttempts: 5, baseDelayMs: 1_000 }, async ({ handler, service, clock }) => {
        service.plan('fail', 'fail', 'fail');
        const start = clock.now();
        const settled = await runWithClock(handler.handlePaymentWebhook(webhook()), clock);
        const times = service.calls.map((call) => `+${call.at - start}`);
        expect(times.join(', '), `after 3 failures the subscription service was called at ${times.join(', ')} ms`).toBe(
          '+0, +1000, +3000, +7000',
        );
        expect(settled.state, 'the delivery').toBe('fulfilled');
        expect(shown((settled as { value?: unknown }).value), 'the result').toBe('processed 200');
        expect(await subscriptionCount(handler), 'subscriptions of pay_123').toBe(1);
      });
    },
  );

  check(
    {
      id: 'dead-letter-queue',
      title: 'after maxAttempts failures the event is dead-lettered (202), listed, and no longer retried',
      item: 'error-recovery',
      weight: 2,
      redFlag: 'no-retry-mechanism',
    },
    async ({ impl }) => {
      await withHandler(impl, { maxAttempts: 4, baseDelayMs: 1_000 }, async ({ handler, service, clock }) => {
        service.otherwise = 'fail';
        const settled = await runWithClock(handler.handlePaymentWebhook(webhook()), clock);
        expect(
          settled.state,
          `with the subscription service down, the delivery was still retrying after ${service.calls.length} calls`,
        ).not.toBe('pending');
        expect(service.calls.length, 'calls to the failing subscription service with maxAttempts 4').toBe(4);
        const result = (settled as { value?: Result }).value;
        expect(shown(result), 'the result once every attempt failed').toBe('dead-lettered 202');
        expect((result as { attempts?: unknown }).attempts, 'attempts in the result').toBe(4);
        const letters = await handler.listDeadLetters();
        expect(letters.length, 'entries in the dead-letter queue').toBe(1);
        const [letter] = letters;
        expect(letter?.idempotencyKey, 'the dead letter key').toBe('evt_1');
        expect(letter?.webhook, 'the dead letter webhook').toEqual(webhook());
        expect(letter?.attempts, 'the dead letter attempts').toBe(4);
        expect(letter?.lastError, 'the dead letter lastError').toContain('503');
        expect(letter?.deadLetteredAt, 'the dead letter time').toBe(clock.now());
        await clock.advance(DAY_MS);
        expect(shown(await handler.handlePaymentWebhook(webhook())), 'a redelivery of the dead-lettered event').toBe(
          'duplicate 200',
        );
        expect(service.calls.length, 'calls to the subscription service a day later').toBe(4);
      });
    },
  );

  check(
    {
      id: 'dead-letter-replay',
      title: 'a dead letter replays once, even when two operators replay it at the same time, and can fail again',
      item: 'error-recovery',
      weight: 2,
    },
    async ({ impl }) => {
      await withHandler(impl, { maxAttempts: 3, baseDelayMs: 1_000 }, async ({ handler, service, clock }) => {
        service.otherwise = 'fail';
        await finished(handler.handlePaymentWebhook(webhook()), clock, 'the first delivery');
        await finished(
          handler.handlePaymentWebhook(webhook({ paymentId: 'pay_456', idempotencyKey: 'evt_2' })),
          clock,
          'the second delivery',
        );
        expect(
          (await handler.listDeadLetters()).map((letter) => letter.idempotencyKey),
          'dead letters',
        ).toEqual(['evt_1', 'evt_2']);

        const stillDown = await finished(
          handler.replayDeadLetter('evt_2'),
          clock,
          'a replay while the service is down',
        );
        expect(shown(stillDown), 'a replay while the service is still down').toBe('dead-lettered 202');
        const evt2 = (await handler.listDeadLetters()).find((letter) => letter.idempotencyKey === 'evt_2');
        expect(evt2?.attempts, 'attempts of evt_2 after a failed replay').toBe(6);

        service.otherwise = 'ok';
        const callsBefore = service.calls.length;
        const replays = await Promise.allSettled([
          handler.replayDeadLetter('evt_1'),
          handler.replayDeadLetter('evt_1'),
        ]);
        const processed = replays.filter(
          (replay) => replay.status === 'fulfilled' && shown(replay.value) === 'processed 200',
        ).length;
        expect(processed, 'two simultaneous replays of evt_1 answered "processed"').toBe(1);
        for (const replay of replays) {
          if (replay.status === 'rejected') {
            expect(errorCode(replay.reason), 'the code of the losing replay').toBe('ERR_DEAD_LETTER_NOT_FOUND');
          } else if (shown(replay.value) !== 'processed 200') {
            expect(shown(replay.value), 'the losing replay').toBe('conflict 409 in-progress');
          }
        }
        expect(service.calls.length - callsBefore, 'subscription calls made by two simultaneous replays').toBe(1);
        expect(await subscriptionCount(handler), 'subscriptions of pay_123 after the replay').toBe(1);
        expect(
          (await handler.listDeadLetters()).map((letter) => letter.idempotencyKey),
          'dead letters',
        ).toEqual(['evt_2']);
        const missing = await handler.replayDeadLetter('evt_1').then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(errorCode(missing), 'replaying evt_1 once it left the queue').toBe('ERR_DEAD_LETTER_NOT_FOUND');
        expect(shown(await handler.handlePaymentWebhook(webhook())), 'a redelivery of the replayed event').toBe(
          'duplicate 200',
        );
      });
    },
  );

  check(
    {
      id: 'dedup-retention',
      title: "deduplication records outlive the provider's retry window (days) and are purged after retentionMs",
      item: 'idempotency',
      weight: 2,
    },
    async ({ impl }) => {
      await withHandler(impl, {}, async ({ handler, service, clock }) => {
        const finishedAt = clock.now();
        await handler.handlePaymentWebhook(webhook());
        for (const days of [1, 3, 6]) {
          await clock.advance(finishedAt + days * DAY_MS - clock.now());
          await handler.purgeExpired();
          const result = await handler.handlePaymentWebhook(webhook());
          expect(shown(result), `a redelivery of evt_1 ${days} day(s) later, after purgeExpired()`).toBe(
            'duplicate 200',
          );
        }
        expect(service.calls.length, 'calls to the subscription service').toBe(1);
        await clock.advance(finishedAt + 7 * DAY_MS + 60_000 - clock.now());
        const purged = await handler.purgeExpired();
        expect(purged, 'events purgeExpired() deleted 7 days and a minute after evt_1 finished').toBeGreaterThan(0);
      });
    },
  );

  check(
    {
      id: 'http-status-mapping',
      title: 'each outcome carries the HTTP status the provider needs: 2xx stops redelivery, 409 and 5xx ask for it',
      item: 'api-design',
      weight: 1,
    },
    async ({ impl }) => {
      await withHandler(impl, { maxAttempts: 1 }, async ({ handler, service, clock }) => {
        const statuses: [string, unknown, number][] = [];
        const record = (label: string, result: Result) => statuses.push([label, result.httpStatus, 0]);
        record('processed', await handler.handlePaymentWebhook(webhook()));
        record('duplicate', await handler.handlePaymentWebhook(webhook()));
        record('ignored', await handler.handlePaymentWebhook(webhook({ status: 'pending', idempotencyKey: 'evt_0' })));
        record('payload mismatch', await handler.handlePaymentWebhook(webhook({ amount: 1 })));
        record('rejected', await handler.receiveWebhook(withHeader(JSON.stringify(webhook()), 'v1=00')));
        service.plan('fail');
        record(
          'dead-lettered',
          await finished(
            handler.handlePaymentWebhook(webhook({ paymentId: 'pay_2', idempotencyKey: 'evt_2' })),
            clock,
            'the delivery',
          ),
        );
        service.plan('hang');
        void handler
          .handlePaymentWebhook(webhook({ paymentId: 'pay_3', idempotencyKey: 'evt_3' }))
          .catch(() => undefined);
        await until(() => service.calls.length === 3);
        record(
          'in progress',
          await handler.handlePaymentWebhook(webhook({ paymentId: 'pay_3', idempotencyKey: 'evt_3' })),
        );
        const expected = [200, 200, 200, 422, 401, 202, 409];
        const wrong = statuses
          .map(([label, status], index) => ({ label, status, expected: expected[index] }))
          .filter((entry) => entry.status !== entry.expected)
          .map((entry) => `${entry.label} answered ${String(entry.status)} instead of ${entry.expected}`);
        expect(wrong.join('; '), 'outcomes with the wrong HTTP status').toBe('');
      });
    },
  );

  check(
    {
      id: 'rejects-forged-and-tampered',
      title: 'forged, tampered and unsigned deliveries are rejected with 401 and store nothing',
      item: 'security',
      weight: 3,
      redFlag: 'security-vulnerability',
    },
    async ({ impl }) => {
      await withHandler(impl, {}, async (env) => {
        const { handler, clock } = env;
        const before = await env.database.dump();
        const body = JSON.stringify(webhook());
        const t = Math.floor(clock.now() / 1000);
        const tampered = JSON.stringify(webhook({ amount: 1 }));
        const cases: [string, Kata.SignedDelivery][] = [
          ['no signature header', withHeader(body, undefined)],
          ['an empty signature header', withHeader(body, '')],
          ['a header without a timestamp', withHeader(body, `v1=${signature(body, SECRET, t)}`)],
          ['a signature made with another secret', signed(body, clock.now(), { secrets: ['whsec_attacker'] })],
          ['a body changed after signing', { ...signed(body, clock.now()), rawBody: tampered }],
          ['a signature for another timestamp', withHeader(body, `t=${t},v1=${signature(body, SECRET, t - 1)}`)],
          ['a truncated signature', withHeader(body, `t=${t},v1=${signature(body, SECRET, t).slice(0, 32)}`)],
          ['a signature that is not hex', withHeader(body, `t=${t},v1=${'z'.repeat(64)}`)],
        ];
        for (const [label, delivery] of cases) {
          const result = await handler.receiveWebhook(delivery).catch((error: unknown) => error);
          expect(shown(result), `a delivery with ${label}`).toMatch(/^rejected 401/);
        }
        await expectNothingStored(env, before, 'after forged deliveries of evt_1');
        const genuine = await handler.receiveWebhook(signed(body, clock.now()));
        expect(shown(genuine), 'the genuine delivery of evt_1 after the forged ones').toBe('processed 200');
      });
    },
  );

  check(
    {
      id: 'rejects-replayed',
      title: 'a signature older or newer than toleranceMs is rejected, so a captured delivery cannot be replayed later',
      item: 'security',
      weight: 2,
      redFlag: 'security-vulnerability',
    },
    async ({ impl }) => {
      await withHandler(impl, { toleranceMs: 300_000 }, async (env) => {
        const { handler, clock } = env;
        const before = await env.database.dump();
        const body = JSON.stringify(webhook());
        const captured = signed(body, clock.now());
        await clock.advance(301_000);
        expect(shown(await handler.receiveWebhook(captured)), 'a delivery replayed 301 s after it was signed').toBe(
          'rejected 401 stale-timestamp',
        );
        const future = signed(body, clock.now() + 301_000);
        expect(shown(await handler.receiveWebhook(future)), 'a delivery signed 301 s in the future').toBe(
          'rejected 401 stale-timestamp',
        );
        await expectNothingStored(env, before, 'after a replayed delivery');
        const recent = signed(body, clock.now() - 299_000);
        expect(shown(await handler.receiveWebhook(recent)), 'a delivery signed 299 s ago').toBe('processed 200');
      });
    },
  );

  check(
    {
      id: 'constant-time-comparison',
      title: 'signatures are compared with crypto.timingSafeEqual, never with ===',
      item: 'security',
      weight: 1,
      redFlag: 'security-vulnerability',
    },
    async ({ impl }) => {
      await withHandler(impl, {}, async ({ handler, clock }) => {
        const body = JSON.stringify(webhook());
        const genuine = signed(body, clock.now());
        const t = Math.floor(clock.now() / 1000);
        const good = signature(body, SECRET, t);
        // Right length and format, wrong in the last byte: only a real comparison can tell.
        const forged = withHeader(body, `t=${t},v1=${good.slice(0, -2)}${good.endsWith('00') ? '11' : '00'}`);
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
          forgedResult = await handler.receiveWebhook(forged);
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
        'during a secret rotation a delivery signed with either secret, or carrying several signatures, is accepted',
      item: 'security',
      weight: 2,
    },
    async ({ impl }) => {
      const oldSecret = 'whsec_old_0001';
      const newSecret = 'whsec_new_0002';
      await withHandler(impl, { secret: [newSecret, oldSecret] }, async ({ handler, clock }) => {
        const deliveries: [string, string, readonly string[]][] = [
          ['the new secret', 'evt_new', [newSecret]],
          ['the old secret', 'evt_old', [oldSecret]],
          ['an unknown secret, then the old one', 'evt_both', ['whsec_unknown', oldSecret]],
        ];
        for (const [label, key, secrets] of deliveries) {
          const body = JSON.stringify(webhook({ paymentId: `pay_${key}`, idempotencyKey: key }));
          const result = await handler.receiveWebhook(signed(body, clock.now(), { secrets }));
          expect(shown(result), `a delivery signed with ${label}, while the handler holds both`).toBe('processed 200');
        }
      });
      await withHandler(impl, { secret: newSecret }, async ({ handler, clock }) => {
        const body = JSON.stringify(webhook());
        const both = await handler.receiveWebhook(signed(body, clock.now(), { secrets: [oldSecret, newSecret] }));
        expect(shown(both), 'a delivery carrying an old-secret and a new-secret signature').toBe('processed 200');
        const retired = JSON.stringify(webhook({ paymentId: 'pay_2', idempotencyKey: 'evt_2' }));
        const result = await handler.receiveWebhook(signed(retired, clock.now(), { secrets: [oldSecret] }));
        expect(shown(result), 'a delivery signed only with the retired secret').toMatch(/^rejected 401/);
      });
    },
  );

  check(
    {
      id: 'verifies-raw-body',
      title: 'the signature is checked over the raw body as sent, whatever its formatting',
      item: 'security',
      weight: 1,
    },
    async ({ impl }) => {
      await withHandler(impl, {}, async ({ handler, clock }) => {
        const event = webhook();
        const formatted = `{\n  "idempotencyKey": "evt_1",\n  "userId": "user_1",\n  "amount": 4900.0,\n  "status": "success",\n  "paymentId": "pay_123"\n}\n`;
        expect(JSON.parse(formatted), 'the formatted body').toEqual(event);
        const result = await handler.receiveWebhook(signed(formatted, clock.now()));
        expect(shown(result), 'a pretty-printed body, signed as sent').toBe('processed 200');
        const unicode = JSON.stringify(webhook({ paymentId: 'pay_é✓', idempotencyKey: 'evt_2' })).replace(
          'é✓',
          '\\u00e9\\u2713',
        );
        const escaped = await handler.receiveWebhook(signed(unicode, clock.now()));
        expect(shown(escaped), 'a body with \\u escapes, signed as sent').toBe('processed 200');
      });
    },
  );

  check(
    {
      id: 'rejects-malformed',
      title: 'a malformed payload or option is rejected with an error naming the field and what was received',
      item: 'code-error-handling',
      weight: 2,
      redFlag: 'no-error-handling',
    },
    async ({ impl }) => {
      await withHandler(impl, {}, async (env) => {
        const { handler, clock } = env;
        const before = await env.database.dump();
        const cases: [field: string, value: string, payload: unknown, received: RegExp][] = [
          ['amount', '-5', webhook({ amount: -5 }), /-5/],
          ['amount', '12.5', webhook({ amount: 12.5 }), /12\.5/],
          ['amount', '"4900"', webhook({ amount: '4900' }), /4900|string/],
          ['amount', 'NaN', webhook({ amount: Number.NaN }), /NaN/],
          ['status', '"refunded"', webhook({ status: 'refunded' }), /refunded/],
          ['paymentId', 'undefined', webhook({ paymentId: undefined }), /undefined|nothing|missing/i],
          ['userId', '""', webhook({ userId: '' }), /""|''|empty/],
          ['idempotencyKey', '256 characters', webhook({ idempotencyKey: 'k'.repeat(256) }), /256|k{20}/],
          ['idempotencyKey', '42', webhook({ idempotencyKey: 42 }), /42|number/],
          ['webhook', 'null', null, /null/],
        ];
        for (const [field, value, payload, received] of cases) {
          const label =
            field === 'webhook' ? 'handlePaymentWebhook(null)' : `handlePaymentWebhook with ${field} = ${value}`;
          const error = await handler.handlePaymentWebhook(payload as Kata.PaymentWebhook).then(
            (result) => new Error(`resolved to ${shown(result)}`),
            (thrown: unknown) => thrown,
          );
          expect(errorCode(error), `${label}: ${(error as Error).message}`).toBe('ERR_INVALID_WEBHOOK');
          if (field !== 'webhook')
            expect((error as Error).message, `${label}: the message should name the field`).toContain(field);
          expect((error as Error).message, `${label}: the message should say what was received`).toMatch(received);
        }
        for (const [label, rawBody] of [
          ['a body that is not JSON', '{"paymentId": "pay_123", '],
          ['a body without an amount', JSON.stringify({ ...webhook(), amount: undefined })],
        ] as const) {
          const error = await handler.receiveWebhook(signed(rawBody, clock.now())).then(
            (result) => new Error(`resolved to ${shown(result)}`),
            (thrown: unknown) => thrown,
          );
          expect(errorCode(error), `receiveWebhook with ${label}, signed: ${(error as Error).message}`).toBe(
            'ERR_INVALID_WEBHOOK',
          );
        }
        await expectNothingStored(env, before, 'after malformed deliveries of evt_1');
        expect(shown(await handler.handlePaymentWebhook(webhook())), 'a valid evt_1 after the malformed ones').toBe(
          'processed 200',
        );
        const badOptions: [string, HandlerOptions][] = [
          ['secret', { secret: '' }],
          ['leaseMs', { leaseMs: -1 }],
          ['maxAttempts', { maxAttempts: 0 }],
        ];
        for (const [option, options] of badOptions) {
          const error = await env.impl
            .createPaymentWebhookHandler({
              db: env.database.db,
              subscriptions: env.service,
              clock,
              secret: SECRET,
              ...options,
            })
            .then(
              () => new Error('resolved to a handler'),
              (thrown: unknown) => thrown,
            );
          expect(
            error,
            `createPaymentWebhookHandler with ${option} = ${JSON.stringify(options[option as keyof HandlerOptions])}`,
          ).toBeInstanceOf(TypeError);
          expect((error as Error).message, `the error for a bad ${option}`).toContain(option);
        }
      });
    },
  );
});
