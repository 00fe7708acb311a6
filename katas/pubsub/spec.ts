import fc from 'fast-check';
import { expect, vi } from 'vitest';
import { defineSpec } from '../../harness/kit/index.ts';
import type * as PubSubModule from './index.ts';

type Instance = InstanceType<(typeof PubSubModule)['PubSub']>;
type Reports = { error: unknown; topic: unknown; payload: unknown }[];

// Captured when the spec loads, so a check can yield to the real event loop while timers are faked.
const realSetImmediate = globalThis.setImmediate;
const realTurn = (): Promise<void> => new Promise((resolve) => realSetImmediate(resolve));

/** Fake timer firings allowed per flush: far above any check's needs, low enough to stop a polling loop. */
const TIMER_LOOP_LIMIT = 20_000;

interface Environment {
  /** Rejections that reached the process unhandled during the check, and stayed unhandled. */
  unhandledRejections(): unknown[];
}

/**
 * Runs a check body with faked timers (so handlers and implementations may use setTimeout without
 * anything sleeping for real) and with a listener that observes unhandled rejections, so a rejecting
 * handler that escapes the implementation is evidence for the check rather than a crash of the run.
 * Check bodies never await an implementation's promise directly: they track it and flush, so a
 * promise that never settles fails a check instead of hanging it.
 */
async function controlled(body: (environment: Environment) => Promise<void>): Promise<void> {
  const unhandled = new Map<Promise<unknown>, unknown>();
  const onUnhandled = (reason: unknown, promise: Promise<unknown>): void => void unhandled.set(promise, reason);
  const onHandled = (promise: Promise<unknown>): void => void unhandled.delete(promise);
  process.on('unhandledRejection', onUnhandled);
  process.on('rejectionHandled', onHandled);
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate'],
    loopLimit: TIMER_LOOP_LIMIT,
  });
  try {
    await body({ unhandledRejections: () => [...unhandled.values()] });
  } finally {
    vi.useRealTimers();
    // Rejections are reported after the microtask queue drains: let late ones reach this listener.
    await realTurn();
    await realTurn();
    process.off('unhandledRejection', onUnhandled);
    process.off('rejectionHandled', onHandled);
  }
}

/** Runs everything that can run now: microtasks, then fake timers, until nothing is left. */
async function flush(): Promise<void> {
  for (let round = 0; round < 50; round++) {
    await realTurn();
    if (vi.getTimerCount() === 0) return;
    await vi.runAllTimersAsync();
  }
}

/**
 * Like flush, but one timer deadline at a time, stopping as soon as `stop()` is true: a check
 * that has its evidence does not need to run thousands of overlapping timers to the end.
 */
async function flushUntil(stop: () => boolean): Promise<void> {
  for (let step = 0; step < TIMER_LOOP_LIMIT; step++) {
    // A real turn first: the timers just fired may start promise chains that schedule the next timer.
    await realTurn();
    if (stop() || vi.getTimerCount() === 0) return;
    await vi.advanceTimersToNextTimerAsync();
  }
}

interface Outcome {
  state: 'pending' | 'resolved' | 'rejected';
  value?: unknown;
  error?: unknown;
}

/** Observes a call's result without awaiting it; a synchronous throw counts as a rejection. */
function track(start: () => unknown): Outcome {
  const outcome: Outcome = { state: 'pending' };
  try {
    Promise.resolve(start()).then(
      (value) => Object.assign(outcome, { state: 'resolved', value }),
      (error: unknown) => Object.assign(outcome, { state: 'rejected', error }),
    );
  } catch (error) {
    Object.assign(outcome, { state: 'rejected', error });
  }
  return outcome;
}

function describeOutcome(outcome: Outcome): string {
  if (outcome.state === 'pending') return 'is still pending';
  if (outcome.state === 'rejected') return `rejected with ${show(outcome.error)}`;
  return `resolved to ${show(outcome.value)}`;
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const never = (): Promise<void> => new Promise<void>(() => undefined);

function show(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'symbol' || typeof value === 'function' || value === undefined) return String(value);
  try {
    const json = JSON.stringify(value);
    return json.length > 160 ? `${json.slice(0, 157)}...` : json;
  } catch {
    return String(value);
  }
}

function createPubSub(impl: typeof PubSubModule, reports: Reports = []): Instance {
  return new impl.PubSub({ onError: (error, delivery) => void reports.push({ error, ...delivery }) });
}

/** A handler that records every payload it receives. */
function recorder(): { readonly seen: unknown[]; readonly handler: (payload: unknown) => void } {
  const seen: unknown[] = [];
  return { seen, handler: (payload) => void seen.push(payload) };
}

/** Seeded pseudo-random numbers in [0, 1) (mulberry32): the same seed gives the same delays. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectTypeError(error: unknown, call: string, names: RegExp, received: RegExp): void {
  const what = error === undefined ? 'it returned normally' : `it threw ${show(error)}`;
  expect(error instanceof Error && error.name === 'TypeError', `${call} should throw a TypeError; ${what}`).toBe(true);
  const message = (error as Error).message;
  expect(message, `${call}: the TypeError should name the argument`).toMatch(names);
  expect(message, `${call}: the TypeError should say what was received`).toMatch(received);
}

/** Calls `run`, turning a throw into a failure that says which call threw. */
function attempt<T>(call: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw new Error(`${call} threw ${show(error)}`, { cause: error });
  }
}

// ---------------------------------------------------------------------------------------------
// The model the interleaving property compares against: the contract, one subscription at a time.

const MODEL_TOPICS = ['alpha', 'beta'] as const;

type Command =
  | { readonly kind: 'subscribe'; readonly topic: (typeof MODEL_TOPICS)[number] }
  | { readonly kind: 'unsubscribe'; readonly pick: number }
  /** Publishes `times` payloads in one go, without letting anything run in between. */
  | { readonly kind: 'publish'; readonly topic: (typeof MODEL_TOPICS)[number]; readonly times: number }
  /** Settles the handler call in progress of one of the busy subscriptions. */
  | { readonly kind: 'finish'; readonly pick: number; readonly fails: boolean };

const topicArbitrary = fc.constantFrom(...MODEL_TOPICS);
const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  { weight: 2, arbitrary: topicArbitrary.map((topic): Command => ({ kind: 'subscribe', topic })) },
  { weight: 1, arbitrary: fc.nat(7).map((pick): Command => ({ kind: 'unsubscribe', pick })) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(topicArbitrary, fc.integer({ min: 1, max: 3 }))
      .map(([topic, times]): Command => ({ kind: 'publish', topic, times })),
  },
  {
    weight: 4,
    arbitrary: fc.tuple(fc.nat(7), fc.boolean()).map(([pick, fails]): Command => ({ kind: 'finish', pick, fails })),
  },
);

interface ModelSubscription {
  readonly id: number;
  readonly topic: string;
  unsubscribe: () => void;
  // What the contract says.
  active: boolean;
  readonly queue: number[];
  inFlight: number | undefined;
  readonly expected: number[];
  // What the implementation did.
  readonly calls: number[];
  current: { readonly payload: number; readonly deferred: Deferred } | undefined;
  overlap: string | undefined;
}

interface ModelPublish {
  readonly payload: number;
  readonly waiting: Set<number>;
  delivered: number;
  outcome: Outcome;
}

async function runModel(impl: typeof PubSubModule, commands: readonly Command[]): Promise<void> {
  const reports: Reports = [];
  const pubsub = createPubSub(impl, reports);
  const subscriptions: ModelSubscription[] = [];
  const publishes: ModelPublish[] = [];
  const log: string[] = [];
  let expectedFailures = 0;

  const start = (subscription: ModelSubscription, payload: number): void => {
    subscription.inFlight = payload;
    subscription.expected.push(payload);
    publishes[payload - 1]!.delivered++;
  };

  for (const command of commands) {
    switch (command.kind) {
      case 'subscribe': {
        const id = subscriptions.length + 1;
        const subscription: ModelSubscription = {
          id,
          topic: command.topic,
          unsubscribe: () => undefined,
          active: true,
          queue: [],
          inFlight: undefined,
          expected: [],
          calls: [],
          current: undefined,
          overlap: undefined,
        };
        const handler = (payload: number): Promise<void> => {
          if (subscription.current !== undefined) {
            subscription.overlap ??= `subscription #${id} was called with payload ${payload} while still handling payload ${subscription.current.payload}`;
          }
          subscription.calls.push(payload);
          const pending = deferred();
          subscription.current = { payload, deferred: pending };
          return pending.promise;
        };
        subscription.unsubscribe = pubsub.subscribe(command.topic, handler);
        subscriptions.push(subscription);
        log.push(`subscribe #${id} to ${command.topic}`);
        break;
      }
      case 'unsubscribe': {
        const subscription = subscriptions[command.pick % Math.max(1, subscriptions.length)];
        if (subscription === undefined) continue;
        subscription.unsubscribe();
        log.push(`unsubscribe #${subscription.id}`);
        if (!subscription.active) break;
        subscription.active = false;
        for (const payload of subscription.queue.splice(0)) publishes[payload - 1]!.waiting.delete(subscription.id);
        break;
      }
      case 'publish': {
        const burst: number[] = [];
        for (let time = 0; time < command.times; time++) {
          const payload = publishes.length + 1;
          const publish: ModelPublish = { payload, waiting: new Set(), delivered: 0, outcome: { state: 'pending' } };
          publishes.push(publish);
          for (const subscription of subscriptions) {
            if (!subscription.active || subscription.topic !== command.topic) continue;
            publish.waiting.add(subscription.id);
            if (subscription.inFlight === undefined) start(subscription, payload);
            else subscription.queue.push(payload);
          }
          publish.outcome = track(() => pubsub.publish(command.topic, payload));
          burst.push(payload);
        }
        log.push(`publish ${burst.join(' and ')} to ${command.topic}`);
        break;
      }
      case 'finish': {
        const busy = subscriptions.filter((candidate) => candidate.inFlight !== undefined);
        const subscription = busy[command.pick % Math.max(1, busy.length)];
        if (subscription?.inFlight === undefined) continue;
        const payload = subscription.inFlight;
        const current = subscription.current;
        subscription.current = undefined;
        if (command.fails) {
          expectedFailures++;
          current?.deferred.reject(new Error(`subscription #${subscription.id} failed on payload ${payload}`));
        } else {
          current?.deferred.resolve();
        }
        log.push(`${command.fails ? 'reject' : 'resolve'} #${subscription.id}'s handling of payload ${payload}`);
        publishes[payload - 1]!.waiting.delete(subscription.id);
        subscription.inFlight = undefined;
        const next = subscription.queue.shift();
        if (next !== undefined) start(subscription, next);
        break;
      }
    }
    await flush();
    verifyModel(pubsub, subscriptions, publishes, reports, expectedFailures, log);
  }
}

function verifyModel(
  pubsub: Instance,
  subscriptions: readonly ModelSubscription[],
  publishes: readonly ModelPublish[],
  reports: Reports,
  expectedFailures: number,
  log: readonly string[],
): void {
  const after = `after: ${log.join(', ')}`;
  for (const subscription of subscriptions) {
    if (subscription.overlap !== undefined) throw new Error(`${subscription.overlap}, ${after}`);
    expect(
      subscription.calls,
      `subscription #${subscription.id} was called with ${show(subscription.calls)}, the contract says ${show(subscription.expected)}, ${after}`,
    ).toEqual(subscription.expected);
  }
  for (const publish of publishes) {
    const done = publish.waiting.size === 0;
    const outcome = publish.outcome;
    const expected = done ? `resolve to ${publish.delivered}` : 'still be pending';
    if (outcome.state === (done ? 'resolved' : 'pending') && (!done || outcome.value === publish.delivered)) continue;
    throw new Error(`publish ${publish.payload} ${describeOutcome(outcome)}, it should ${expected}, ${after}`);
  }
  for (const topic of MODEL_TOPICS) {
    const active = subscriptions.filter((subscription) => subscription.active && subscription.topic === topic).length;
    expect(pubsub.subscriberCount(topic), `subscriberCount("${topic}") ${after}`).toBe(active);
  }
  const topics = MODEL_TOPICS.filter((topic) => subscriptions.some((s) => s.active && s.topic === topic)).length;
  expect(pubsub.topicCount(), `topicCount() ${after}`).toBe(topics);
  expect(reports.length, `onError calls for ${expectedFailures} rejected handler(s), ${after}`).toBe(expectedFailures);
}

// ---------------------------------------------------------------------------------------------

export default defineSpec<typeof PubSubModule>('pubsub', ({ check }) => {
  check(
    {
      id: 'delivers-to-subscribers',
      title: "publish delivers the payload to each of the topic's subscribers and resolves to how many it reached",
      item: 'api-design',
      weight: 2,
    },
    ({ impl }) =>
      controlled(async () => {
        const reports: Reports = [];
        const pubsub = createPubSub(impl, reports);
        const first = recorder();
        const second: unknown[] = [];
        const invoices = recorder();
        pubsub.subscribe('orders', first.handler);
        pubsub.subscribe('orders', async (payload) => {
          await Promise.resolve();
          second.push(payload);
        });
        pubsub.subscribe('invoices', invoices.handler);
        expect(pubsub.subscriberCount('orders'), 'subscriberCount("orders") after two subscribes').toBe(2);
        expect(pubsub.subscriberCount('invoices'), 'subscriberCount("invoices") after one subscribe').toBe(1);
        expect(pubsub.subscriberCount('refunds'), 'subscriberCount("refunds"), never subscribed').toBe(0);
        expect(pubsub.topicCount(), 'topicCount() with "orders" and "invoices" subscribed').toBe(2);

        const order = { id: 42, total: 1999 };
        const returned: unknown = pubsub.publish('orders', order);
        expect(
          typeof (returned as { then?: unknown } | undefined)?.then,
          `publish("orders", order) should return a promise, it returned ${show(returned)}`,
        ).toBe('function');
        const outcome = track(() => returned);
        await flush();
        expect(outcome.state, `publish("orders", order) ${describeOutcome(outcome)}`).toBe('resolved');
        expect(outcome.value, 'publish("orders", order) should resolve to the number of handlers it reached').toBe(2);
        expect(first.seen, 'the first "orders" subscriber').toEqual([order]);
        expect(first.seen[0], 'the handler should receive the very object published, not a copy').toBe(order);
        expect(second, 'the second (async) "orders" subscriber').toEqual([order]);
        expect(invoices.seen, 'a subscriber of "invoices" received a payload published to "orders"').toEqual([]);

        const nobody = track(() => pubsub.publish('refunds', { id: 7 }));
        await flush();
        expect(nobody.state, `publish to a topic nobody subscribed ${describeOutcome(nobody)}`).toBe('resolved');
        expect(nobody.value, 'publish to a topic nobody subscribed').toBe(0);
        expect(reports, 'onError was called although no handler failed').toEqual([]);
      }),
  );

  check(
    {
      id: 'publish-waits-for-handlers',
      title: 'publish resolves only when every handler, async ones included, has finished with the payload',
      item: 'api-design',
      weight: 2,
    },
    ({ impl }) =>
      controlled(async () => {
        const pubsub = createPubSub(impl);
        const slowA = deferred();
        const slowB = deferred();
        pubsub.subscribe('jobs', () => slowA.promise);
        pubsub.subscribe('jobs', () => undefined);
        pubsub.subscribe('jobs', async () => {
          await slowB.promise;
        });
        const outcome = track(() => pubsub.publish('jobs', 'job-1'));
        await flush();
        expect(
          outcome.state,
          `publish ${describeOutcome(outcome)} while 2 of its 3 handlers were still working on the payload`,
        ).toBe('pending');
        slowA.resolve();
        await flush();
        expect(
          outcome.state,
          `publish ${describeOutcome(outcome)} while 1 of its 3 handlers was still working on the payload`,
        ).toBe('pending');
        slowB.resolve();
        await flush();
        expect(outcome.state, `publish ${describeOutcome(outcome)} after all 3 handlers finished`).toBe('resolved');
        expect(outcome.value, 'publish should resolve to the number of handlers it reached').toBe(3);
      }),
  );

  check(
    {
      id: 'handler-errors-isolated',
      title: 'a throwing or rejecting handler neither stops delivery to the others nor rejects publish',
      item: 'system-error-handling',
      weight: 3,
      redFlag: 'no-error-handling',
    },
    ({ impl }) =>
      controlled(async () => {
        const pubsub = createPubSub(impl);
        const healthy = [recorder(), recorder(), recorder()];
        const recovering: unknown[] = [];
        pubsub.subscribe('payments', healthy[0]!.handler);
        pubsub.subscribe('payments', (payload) => {
          throw new Error(`synchronous failure on ${show(payload)}`);
        });
        pubsub.subscribe('payments', healthy[1]!.handler);
        pubsub.subscribe('payments', async (payload) => {
          await Promise.resolve();
          throw new Error(`asynchronous failure on ${show(payload)}`);
        });
        pubsub.subscribe('payments', async (payload) => {
          recovering.push(payload);
          if (payload === 1) throw new Error('rejected payload 1 only');
        });
        pubsub.subscribe('payments', () => {
          // Not every failure is an Error: a library may throw a string.
          throw 'a thrown string';
        });
        pubsub.subscribe('payments', healthy[2]!.handler);

        const outcomes = [1, 2, 3].map((payload) => track(() => pubsub.publish('payments', payload)));
        await flush();
        outcomes.forEach((outcome, index) => {
          expect(
            outcome.state,
            `publish("payments", ${index + 1}) ${describeOutcome(outcome)}: a handler's failure reached the publisher`,
          ).toBe('resolved');
          expect(outcome.value, `publish("payments", ${index + 1}) reached all 7 handlers, failing ones included`).toBe(
            7,
          );
        });
        healthy.forEach(({ seen }, index) => {
          expect(seen, `healthy subscriber ${index + 1} of 3, beside handlers that throw and reject`).toEqual([
            1, 2, 3,
          ]);
        });
        expect(recovering, 'a subscriber whose handler rejected payload 1 must still receive payloads 2 and 3').toEqual(
          [1, 2, 3],
        );
      }),
  );

  check(
    {
      id: 'errors-reported',
      title: 'every handler failure reaches onError exactly once, with the error, the topic and the payload',
      item: 'system-error-handling',
      weight: 2,
      redFlag: 'no-error-handling',
    },
    ({ impl }) =>
      controlled(async () => {
        const reports: Reports = [];
        const pubsub = createPubSub(impl, reports);
        // Every failure is a fresh value, so a report can be traced to the exact call that failed.
        const thrown: { readonly error: unknown; readonly payload: { id: string }; readonly label: string }[] = [];
        const fail = (payload: { id: string }, label: string, error: unknown): never => {
          thrown.push({ error, payload, label });
          throw error;
        };
        pubsub.subscribe('payments', (payload: { id: string }) =>
          fail(payload, 'the synchronous Error', new Error(`card declined for ${payload.id}`)),
        );
        pubsub.subscribe('payments', async (payload: { id: string }) => {
          await sleep(3);
          fail(payload, 'the rejection', new Error(`ledger offline for ${payload.id}`));
        });
        pubsub.subscribe('payments', (payload: { id: string }) =>
          fail(payload, 'the thrown string', `not an Error, for ${payload.id}`),
        );
        pubsub.subscribe('payments', () => undefined);
        const payloads = [{ id: 'pay-1' }, { id: 'pay-2' }];
        for (const payload of payloads) track(() => pubsub.publish('payments', payload));
        await flush();

        expect(
          thrown.length,
          `the 3 failing handlers were called ${thrown.length} times in all for 2 payloads; each should see both`,
        ).toBe(6);
        for (const { error, payload, label } of thrown) {
          const matching = reports.filter((report) => report.error === error);
          expect(matching.length, `onError calls with ${label} thrown for payload ${payload.id}`).toBe(1);
          expect(matching[0]!.payload, `the payload onError was given with ${label} thrown for ${payload.id}`).toBe(
            payload,
          );
          expect(matching[0]!.topic, `the topic onError was given with ${label} thrown for ${payload.id}`).toBe(
            'payments',
          );
        }
        expect(reports.length, 'onError calls in all, for 2 payloads to 3 failing handlers').toBe(6);
      }),
  );

  check(
    {
      id: 'no-unhandled-rejections',
      title: 'a rejecting handler never surfaces as an unhandled rejection',
      item: 'system-error-handling',
      weight: 2,
      redFlag: 'no-error-handling',
    },
    ({ impl }) =>
      controlled(async (environment) => {
        const pubsub = createPubSub(impl);
        pubsub.subscribe('emails', async (payload) => {
          throw new Error(`async handler rejected ${show(payload)}`);
        });
        pubsub.subscribe('emails', (payload) =>
          Promise.reject(new Error(`returned a rejected promise for ${show(payload)}`)),
        );
        pubsub.subscribe('emails', async (payload) => {
          await sleep(10);
          throw new Error(`rejected ${show(payload)} after a delay`);
        });
        pubsub.subscribe('emails', () => {
          throw new Error('synchronous throw');
        });
        for (const payload of ['welcome', 'receipt', 'reminder']) track(() => pubsub.publish('emails', payload));
        await flush();
        await flush();
        const unhandled = environment.unhandledRejections();
        expect(
          unhandled.length,
          `${unhandled.length} handler failure(s) surfaced as unhandled rejections, the first: ${show(unhandled[0])}`,
        ).toBe(0);
      }),
  );

  check(
    {
      id: 'ordered-delivery-1000',
      title:
        '1000 publishes fired without awaiting reach every subscriber in order, once each, never overlapping, despite random delays',
      item: 'race-conditions',
      weight: 4,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 30_000,
    },
    ({ impl, seed }) =>
      controlled(async () => {
        const PUBLISHES = 1000;
        const random = seededRandom(seed);
        const upTo = (max: number): number[] =>
          Array.from({ length: PUBLISHES }, () => Math.floor(random() * (max + 1)));
        const reports: Reports = [];
        const pubsub = createPubSub(impl, reports);

        interface Log {
          readonly label: string;
          last: number;
          received: number;
          active: number | undefined;
          violation: string | undefined;
        }
        const logs: Log[] = [];
        const enter = (log: Log, payload: number): void => {
          if (log.active !== undefined) {
            log.violation ??= `${log.label} was called with payload ${payload} while still handling payload ${log.active}`;
          } else if (payload === log.last) {
            log.violation ??= `${log.label} received payload ${payload} twice`;
          } else if (payload < log.last) {
            log.violation ??= `${log.label} saw payload ${payload} after payload ${log.last}`;
          } else if (payload > log.last + 1) {
            log.violation ??= `${log.label} saw payload ${payload} before payload ${log.last + 1}`;
          }
          log.last = Math.max(log.last, payload);
          log.received++;
          log.active = payload;
        };
        const leave = (log: Log, payload: number): void => {
          if (log.active === payload) log.active = undefined;
        };
        const logFor = (label: string): Log => {
          const log: Log = { label, last: 0, received: 0, active: undefined, violation: undefined };
          logs.push(log);
          return log;
        };

        const slow = logFor('subscriber 1 (timer delays of 0-20 ms)');
        const slowDelays = upTo(20);
        pubsub.subscribe('ticks', (payload: number) => {
          enter(slow, payload);
          return sleep(slowDelays[payload - 1]!).then(() => leave(slow, payload));
        });
        const jittery = logFor('subscriber 2 (timer delays of 0-2 ms)');
        const jitteryDelays = upTo(2);
        pubsub.subscribe('ticks', async (payload: number) => {
          enter(jittery, payload);
          await sleep(jitteryDelays[payload - 1]!);
          leave(jittery, payload);
        });
        const synchronous = logFor('subscriber 3 (synchronous)');
        pubsub.subscribe('ticks', (payload: number) => {
          enter(synchronous, payload);
          leave(synchronous, payload);
        });
        const hopping = logFor('subscriber 4 (0-3 microtask hops)');
        const hops = upTo(3);
        pubsub.subscribe('ticks', async (payload: number) => {
          enter(hopping, payload);
          for (let hop = 0; hop < hops[payload - 1]!; hop++) await Promise.resolve();
          leave(hopping, payload);
        });

        const outcomes: Outcome[] = [];
        for (let payload = 1; payload <= PUBLISHES; payload++) {
          outcomes.push(track(() => pubsub.publish('ticks', payload)));
        }
        await flushUntil(() => logs.some((log) => log.violation !== undefined));

        for (const log of logs) {
          if (log.violation !== undefined) throw new Error(`${log.violation} (seed ${seed})`);
          expect(log.received, `${log.label} received ${log.received} of ${PUBLISHES} payloads`).toBe(PUBLISHES);
        }
        const wrong = outcomes.findIndex((outcome) => outcome.state !== 'resolved' || outcome.value !== logs.length);
        if (wrong !== -1) {
          throw new Error(
            `publish of payload ${wrong + 1} ${describeOutcome(outcomes[wrong]!)}, expected it to resolve to ${logs.length}`,
          );
        }
        expect(reports, 'onError was called although no handler failed').toEqual([]);
      }),
  );

  check(
    {
      id: 'slow-handler-isolated',
      title: 'a stuck or slow handler never delays delivery to the other subscribers',
      item: 'race-conditions',
      weight: 3,
      redFlag: 'no-concurrency-handling',
    },
    ({ impl }) =>
      controlled(async () => {
        const pubsub = createPubSub(impl);
        const healthy: number[] = [];
        pubsub.subscribe('metrics', never);
        pubsub.subscribe('metrics', () => sleep(1000));
        pubsub.subscribe('metrics', async (payload: number) => {
          await sleep(5);
          healthy.push(payload);
        });
        pubsub.subscribe('metrics', never);
        for (let payload = 1; payload <= 5; payload++) track(() => pubsub.publish('metrics', payload));
        await vi.advanceTimersByTimeAsync(100);
        await realTurn();
        expect(
          healthy,
          `100 ms after 5 publishes, a subscriber needing 5 ms per payload had finished ${show(healthy)}, beside a stuck and a slow one`,
        ).toEqual([1, 2, 3, 4, 5]);
      }),
  );

  check(
    {
      id: 'interleavings-match-model',
      title:
        'property: any interleaving of subscribe, unsubscribe, publish and handler completion delivers what the contract says',
      item: 'race-conditions',
      weight: 3,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 30_000,
    },
    ({ impl, property }) =>
      controlled(async () => {
        await property(
          fc.asyncProperty(fc.array(commandArbitrary, { minLength: 1, maxLength: 40, size: 'max' }), (commands) =>
            runModel(impl, commands),
          ),
          { numRuns: 80 },
        );
      }),
  );

  check(
    {
      id: 'subscribe-during-publish',
      title: 'a subscription added while a payload is being published does not receive that payload',
      item: 'race-conditions',
      weight: 2,
    },
    ({ impl }) =>
      controlled(async () => {
        const pubsub = createPubSub(impl);
        const joinedInHandler = recorder();
        const joinedAfterCall = recorder();
        let joined = false;
        pubsub.subscribe('news', () => {
          if (joined) return;
          joined = true;
          pubsub.subscribe('news', joinedInHandler.handler);
        });
        pubsub.subscribe('news', async () => {
          await sleep(1);
        });
        const first = track(() => pubsub.publish('news', 'first'));
        pubsub.subscribe('news', joinedAfterCall.handler);
        await flush();
        expect(
          joinedInHandler.seen,
          'a subscriber added by a handler while "first" was being delivered received it',
        ).toEqual([]);
        expect(
          joinedAfterCall.seen,
          'a subscriber added right after publish("news", "first") was called, before it resolved, received it',
        ).toEqual([]);
        expect(
          first.value,
          `publish("news", "first") ${describeOutcome(first)}; 2 handlers existed when it was called`,
        ).toBe(2);

        const second = track(() => pubsub.publish('news', 'second'));
        await flush();
        expect(joinedInHandler.seen, 'the subscriber added during the first publish, on the next one').toEqual([
          'second',
        ]);
        expect(joinedAfterCall.seen, 'the subscriber added after the first publish call, on the next one').toEqual([
          'second',
        ]);
        expect(second.value, `publish("news", "second") ${describeOutcome(second)}`).toBe(4);
      }),
  );

  check(
    {
      id: 'unsubscribe-during-publish',
      title: 'unsubscribing from inside a handler skips no one else and stops the removed handler at once',
      item: 'race-conditions',
      weight: 2,
    },
    ({ impl }) =>
      controlled(async () => {
        const pubsub = createPubSub(impl);
        const leaver = recorder();
        const stayers = [recorder(), recorder()];
        const leave = pubsub.subscribe('chat', (payload) => {
          leaver.handler(payload);
          leave();
        });
        pubsub.subscribe('chat', stayers[0]!.handler);
        pubsub.subscribe('chat', stayers[1]!.handler);
        const first = track(() => pubsub.publish('chat', 1));
        await flush();
        stayers.forEach(({ seen }, index) => {
          expect(
            seen,
            `subscriber ${index + 2} of 3, after subscriber 1 unsubscribed itself while handling payload 1`,
          ).toEqual([1]);
        });
        expect(first.value, `publish("chat", 1) ${describeOutcome(first)}; it reached 3 handlers`).toBe(3);
        const second = track(() => pubsub.publish('chat', 2));
        await flush();
        expect(leaver.seen, 'the subscriber that unsubscribed itself while handling payload 1').toEqual([1]);
        expect(second.value, `publish("chat", 2) ${describeOutcome(second)}; 2 subscribers remain`).toBe(2);

        // One handler removes another that has not had its turn yet.
        const lateCalls: unknown[] = [];
        let removed = false;
        let removeVictim: () => void = () => undefined;
        pubsub.subscribe('alerts', () => {
          removeVictim();
          removed = true;
        });
        removeVictim = pubsub.subscribe('alerts', (payload) => {
          if (removed) lateCalls.push(payload);
        });
        track(() => pubsub.publish('alerts', 'disk full'));
        await flush();
        track(() => pubsub.publish('alerts', 'disk still full'));
        await flush();
        expect(lateCalls, 'payloads a handler received after another handler had unsubscribed it').toEqual([]);
      }),
  );

  check(
    {
      id: 'no-delivery-after-unsubscribe',
      title: 'after unsubscribe() returns the handler is never called again, not even for payloads already queued',
      item: 'race-conditions',
      weight: 2,
      redFlag: 'no-concurrency-handling',
    },
    ({ impl }) =>
      controlled(async () => {
        const pubsub = createPubSub(impl);
        const calls: unknown[] = [];
        const pending: Deferred[] = [];
        const unsubscribe = pubsub.subscribe('orders', (payload) => {
          calls.push(payload);
          const handling = deferred();
          pending.push(handling);
          return handling.promise;
        });
        const other = recorder();
        pubsub.subscribe('orders', other.handler);
        const outcomes = [1, 2, 3].map((payload) => track(() => pubsub.publish('orders', payload)));
        await flush();
        unsubscribe();
        const callsBefore = calls.length;
        for (const handling of pending) handling.resolve();
        await flush();
        for (const handling of pending) handling.resolve();
        await flush();
        expect(
          calls.slice(callsBefore),
          `payloads the handler received after its unsubscribe() returned (it was busy with ${show(calls)} then)`,
        ).toEqual([]);
        expect(other.seen, 'the other subscriber').toEqual([1, 2, 3]);
        expect(
          outcomes.map((outcome) => outcome.value),
          `what publish 1, 2 and 3 resolved to (the unsubscribed handler only ever received payload 1): ${outcomes.map(describeOutcome).join(', ')}`,
        ).toEqual([2, 1, 1]);
        const later = track(() => pubsub.publish('orders', 4));
        await flush();
        expect(later.value, `publish after unsubscribe ${describeOutcome(later)}`).toBe(1);
      }),
  );

  check(
    {
      id: 'unsubscribe-releases-queued-publishes',
      title: 'unsubscribing a stuck handler lets the publishes queued behind it resolve',
      item: 'race-conditions',
      weight: 1,
    },
    ({ impl }) =>
      controlled(async () => {
        const pubsub = createPubSub(impl);
        const stuck: unknown[] = [];
        const unsubscribe = pubsub.subscribe('exports', (payload) => {
          stuck.push(payload);
          return never();
        });
        const other = recorder();
        pubsub.subscribe('exports', other.handler);
        const first = track(() => pubsub.publish('exports', 'report-1'));
        const second = track(() => pubsub.publish('exports', 'report-2'));
        await flush();
        unsubscribe();
        await flush();
        expect(
          second.state,
          `publish("exports", "report-2") ${describeOutcome(second)} after the stuck subscriber it was queued behind unsubscribed`,
        ).toBe('resolved');
        expect(second.value, 'publish("exports", "report-2") reached only the other subscriber').toBe(1);
        expect(stuck, 'the stuck subscriber').toEqual(['report-1']);
        expect(other.seen, 'the other subscriber').toEqual(['report-1', 'report-2']);
        expect(first.state, 'publish("exports", "report-1") rejected').not.toBe('rejected');
      }),
  );

  check(
    {
      id: 'same-handler-twice',
      title: 'the same function subscribed twice is two subscriptions, each removed on its own',
      item: 'api-design',
    },
    ({ impl }) =>
      controlled(async () => {
        const pubsub = createPubSub(impl);
        const { seen, handler } = recorder();
        const first = pubsub.subscribe('ticks', handler);
        const second = pubsub.subscribe('ticks', handler);
        expect(pubsub.subscriberCount('ticks'), 'subscriberCount after subscribing one function twice').toBe(2);
        const both = track(() => pubsub.publish('ticks', 1));
        await flush();
        expect(seen, 'a function subscribed twice should receive each payload twice').toEqual([1, 1]);
        expect(both.value, `publish to a function subscribed twice ${describeOutcome(both)}`).toBe(2);
        first();
        expect(pubsub.subscriberCount('ticks'), 'subscriberCount after removing one of the two').toBe(1);
        const one = track(() => pubsub.publish('ticks', 2));
        await flush();
        expect(seen, 'after removing one of the two subscriptions').toEqual([1, 1, 2]);
        expect(one.value, `publish after removing one of the two ${describeOutcome(one)}`).toBe(1);
        second();
        expect(pubsub.subscriberCount('ticks'), 'subscriberCount after removing both').toBe(0);
      }),
  );

  check(
    {
      id: 'unsubscribe-idempotent',
      title: 'calling unsubscribe again does nothing: it never removes another subscription',
      item: 'idempotency',
      weight: 2,
    },
    ({ impl }) =>
      controlled(async () => {
        const pubsub = createPubSub(impl);
        const [a, b, c] = [recorder(), recorder(), recorder()];
        const offA = pubsub.subscribe('room', a.handler);
        const offB = pubsub.subscribe('room', b.handler);
        pubsub.subscribe('room', c.handler);
        offB();
        offB();
        offB();
        expect(pubsub.subscriberCount('room'), "subscriberCount after calling B's unsubscribe three times").toBe(2);
        track(() => pubsub.publish('room', 1));
        await flush();
        expect(a.seen, "subscriber A after B's unsubscribe was called three times").toEqual([1]);
        expect(c.seen, "subscriber C after B's unsubscribe was called three times").toEqual([1]);
        expect(b.seen, 'subscriber B, unsubscribed').toEqual([]);

        const twice = recorder();
        const firstOfTwo = pubsub.subscribe('pair', twice.handler);
        pubsub.subscribe('pair', twice.handler);
        firstOfTwo();
        firstOfTwo();
        expect(
          pubsub.subscriberCount('pair'),
          'one function subscribed twice, the first unsubscribe called twice',
        ).toBe(1);

        offA();
        offA();
        expect(pubsub.subscriberCount('room'), "subscriberCount after A's unsubscribe was called twice").toBe(1);
        const d = recorder();
        pubsub.subscribe('room', d.handler);
        offB();
        offA();
        expect(pubsub.subscriberCount('room'), 'stale unsubscribe functions called again after new subscribes').toBe(2);
        track(() => pubsub.publish('room', 2));
        await flush();
        expect(c.seen, 'subscriber C after stale unsubscribes were called again').toEqual([1, 2]);
        expect(d.seen, 'subscriber D after stale unsubscribes were called again').toEqual([2]);
      }),
  );

  check(
    {
      id: 'rejects-bad-arguments',
      title: 'bad topics, handlers and options get a TypeError naming the argument and what was received',
      item: 'code-error-handling',
      weight: 2,
      redFlag: 'no-error-handling',
    },
    ({ impl }) =>
      controlled(async () => {
        const construct = impl.PubSub as unknown as new (options?: unknown) => Instance;
        expectTypeError(
          thrownBy(() => new construct()),
          'new PubSub()',
          /onError|options/,
          /undefined/,
        );
        expectTypeError(
          thrownBy(() => new construct({})),
          'new PubSub({})',
          /onError/,
          /undefined/,
        );
        expectTypeError(
          thrownBy(() => new construct({ onError: 'console.error' })),
          'new PubSub({ onError: "console.error" })',
          /onError/,
          /string/,
        );

        const pubsub = createPubSub(impl);
        const subscribe = pubsub.subscribe.bind(pubsub) as (topic: unknown, handler: unknown) => unknown;
        const publish = pubsub.publish.bind(pubsub) as (topic: unknown, payload: unknown) => unknown;
        const count = pubsub.subscriberCount.bind(pubsub) as (topic: unknown) => unknown;
        const called: unknown[] = [];
        const handler = (payload: unknown): void => void called.push(payload);
        const badTopics: [unknown, string, RegExp][] = [
          [42, '42', /number/],
          [undefined, 'undefined', /undefined/],
          [null, 'null', /null/],
          [['orders'], '["orders"]', /array|object/i],
          [Symbol('orders'), 'Symbol(orders)', /symbol/i],
          [{ toString: () => 'orders' }, '{ toString }', /object/],
        ];
        for (const [topic, label, received] of badTopics) {
          expectTypeError(
            thrownBy(() => subscribe(topic, handler)),
            `subscribe(${label}, handler)`,
            /topic/,
            received,
          );
          expectTypeError(
            thrownBy(() => count(topic)),
            `subscriberCount(${label})`,
            /topic/,
            received,
          );
          const outcome = track(() => publish(topic, 'payload'));
          await flush();
          expect(
            outcome.state,
            `publish(${label}, payload) should reject (or throw) with a TypeError; it ${describeOutcome(outcome)}`,
          ).toBe('rejected');
          expectTypeError(outcome.error, `publish(${label}, payload)`, /topic/, received);
        }
        const badHandlers: [unknown, string, RegExp][] = [
          [undefined, 'undefined', /undefined/],
          ['handler', '"handler"', /string/],
          [{ handleEvent: handler }, '{ handleEvent }', /object/],
          [null, 'null', /null/],
        ];
        for (const [bad, label, received] of badHandlers) {
          expectTypeError(
            thrownBy(() => subscribe('orders', bad)),
            `subscribe("orders", ${label})`,
            /handler/,
            received,
          );
        }
        expect(pubsub.topicCount(), 'topicCount() after only rejected calls: a failed call must change nothing').toBe(
          0,
        );
        expect(pubsub.subscriberCount('orders'), 'subscriberCount("orders") after only rejected subscribes').toBe(0);
        pubsub.subscribe('orders', handler);
        const outcome = track(() => pubsub.publish('orders', 'first real order'));
        await flush();
        expect(called, 'the only handler ever accepted, after one good publish').toEqual(['first real order']);
        expect(outcome.value, `the first good publish ${describeOutcome(outcome)}`).toBe(1);
      }),
  );

  check(
    {
      id: 'any-string-is-a-topic',
      title: 'any string is a topic, "__proto__" and "constructor" included, and none touches Object.prototype',
      item: 'security',
      weight: 2,
      redFlag: 'security-vulnerability',
    },
    ({ impl }) =>
      controlled(async () => {
        const topics = [
          '__proto__',
          'constructor',
          'prototype',
          'toString',
          'hasOwnProperty',
          'valueOf',
          '__defineGetter__',
          '',
          ' ',
          'orders.created',
          'чат 💬',
        ];
        const prototypeBefore = new Set(Reflect.ownKeys(Object.prototype));
        try {
          const pubsub = createPubSub(impl);
          for (const topic of topics) {
            const count = attempt(`subscriberCount(${show(topic)})`, () => pubsub.subscriberCount(topic));
            expect(count, `subscriberCount(${show(topic)}) on a new PubSub`).toBe(0);
          }
          expect(pubsub.topicCount(), 'topicCount() on a new PubSub').toBe(0);
          const received = new Map(topics.map((topic) => [topic, [] as unknown[]]));
          const unsubscribes = topics.map((topic) =>
            attempt(`subscribe(${show(topic)}, handler)`, () =>
              pubsub.subscribe(topic, (payload) => void received.get(topic)!.push(payload)),
            ),
          );
          expect(pubsub.topicCount(), `topicCount() after subscribing to ${topics.length} topics`).toBe(topics.length);
          const outcomes = topics.map((topic) => track(() => pubsub.publish(topic, `for ${topic}`)));
          await flush();
          topics.forEach((topic, index) => {
            expect(pubsub.subscriberCount(topic), `subscriberCount(${show(topic)}) after one subscribe`).toBe(1);
            expect(received.get(topic), `what the subscriber of ${show(topic)} received`).toEqual([`for ${topic}`]);
            expect(outcomes[index]!.value, `publish(${show(topic)}) ${describeOutcome(outcomes[index]!)}`).toBe(1);
          });
          const added = Reflect.ownKeys(Object.prototype).filter((key) => !prototypeBefore.has(key));
          expect(added.map(String), 'properties added to Object.prototype').toEqual([]);
          expect(Object.getPrototypeOf({}), 'the prototype of a fresh object').toBe(Object.prototype);
          for (const unsubscribe of unsubscribes) unsubscribe();
          expect(pubsub.topicCount(), 'topicCount() after unsubscribing from every topic').toBe(0);
        } finally {
          for (const key of Reflect.ownKeys(Object.prototype)) {
            if (!prototypeBefore.has(key)) delete (Object.prototype as Record<PropertyKey, unknown>)[key];
          }
        }
      }),
  );

  check(
    {
      id: 'forgets-empty-topics',
      title: 'a topic with no subscribers is forgotten: a million subscribe/unsubscribe cycles leave nothing behind',
      item: 'api-design',
      weight: 2,
      timeoutMs: 30_000,
    },
    ({ impl }) =>
      controlled(async () => {
        const CYCLES = 1_000_000;
        const TOPICS = 1024;
        const names = Array.from({ length: TOPICS }, (_, index) => `topic-${index}`);
        const pubsub = createPubSub(impl);
        const handler = (): void => undefined;
        const stopKeeping = pubsub.subscribe('kept', handler);
        for (let cycle = 0; cycle < CYCLES; cycle++) {
          const unsubscribe = pubsub.subscribe(names[cycle % TOPICS]!, handler);
          unsubscribe();
        }
        expect(
          pubsub.topicCount(),
          `topicCount() after ${CYCLES} subscribe/unsubscribe cycles over ${TOPICS} topics, with only "kept" still subscribed`,
        ).toBe(1);
        for (let cycle = 0; cycle < 1000; cycle++) pubsub.subscribe('kept', handler)();
        expect(pubsub.subscriberCount('kept'), 'subscriberCount("kept") after 1000 more cycles on it').toBe(1);

        const crowd = [1, 2, 3].map(() => pubsub.subscribe('crowd', handler));
        for (const index of [1, 0, 2]) crowd[index]!();
        expect(pubsub.topicCount(), 'topicCount() after 3 subscriptions to "crowd" were removed out of order').toBe(1);

        for (let index = 0; index < 1000; index++) {
          pubsub.subscriberCount(`never-${index}`);
          track(() => pubsub.publish(`never-${index}`, index));
        }
        await flush();
        expect(pubsub.topicCount(), 'topicCount() after counting and publishing on 1000 topics nobody subscribed').toBe(
          1,
        );

        const busy = deferred();
        const unsubscribeBusy = pubsub.subscribe('busy', () => busy.promise);
        track(() => pubsub.publish('busy', 'work'));
        await flush();
        unsubscribeBusy();
        expect(pubsub.topicCount(), 'topicCount() once the last subscriber of "busy" left, still handling').toBe(1);
        busy.resolve();
        await flush();
        stopKeeping();
        expect(pubsub.topicCount(), 'topicCount() after every subscription was removed').toBe(0);
      }),
  );
});
