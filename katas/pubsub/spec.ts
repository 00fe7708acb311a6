import fc from 'fast-check';
import { expect, vi } from 'vitest';
import { command, defineSpec, describeError, lazyArbitrary, runCommands } from '../../harness/kit/index.ts';
import type * as PubSubModule from './index.ts';
import { PubSubModel, type ModelPublish, type ModelSubscription } from './model.ts';

type Instance = InstanceType<(typeof PubSubModule)['PubSub']>;
type Reports = { error: unknown; topic: unknown; payload: unknown }[];
type FailedDelivery = PubSubModule.FailedDelivery;

// Captured when the spec loads, so a check can yield to the real event loop while timers are faked.
const realSetImmediate = globalThis.setImmediate;
const realTurn = (): Promise<void> => new Promise((resolve) => realSetImmediate(resolve));

/** Fake timer firings allowed per flush: far above any check's needs, low enough to stop a polling loop. */
const TIMER_LOOP_LIMIT = 20_000;

interface Environment {
  /** Rejections that reached the process unhandled during the check, and stayed unhandled. */
  unhandledRejections(): unknown[];
  /** Exceptions thrown from a callback of the event loop (a microtask, a real timer) during the check. */
  uncaughtExceptions(): unknown[];
  /** Forgets what was seen so far: a property's next case starts clean. */
  clear(): void;
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
  const uncaught: unknown[] = [];
  const onUnhandled = (reason: unknown, promise: Promise<unknown>): void => void unhandled.set(promise, reason);
  const onHandled = (promise: Promise<unknown>): void => void unhandled.delete(promise);
  const onUncaught = (error: unknown): void => void uncaught.push(error);
  process.on('unhandledRejection', onUnhandled);
  process.on('rejectionHandled', onHandled);
  process.on('uncaughtException', onUncaught);
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate'],
    loopLimit: TIMER_LOOP_LIMIT,
  });
  try {
    await body({
      unhandledRejections: () => [...unhandled.values()],
      uncaughtExceptions: () => [...uncaught],
      clear: () => {
        unhandled.clear();
        uncaught.length = 0;
      },
    });
  } finally {
    vi.useRealTimers();
    // Rejections are reported after the microtask queue drains: let late ones reach this listener.
    await realTurn();
    await realTurn();
    process.off('unhandledRejection', onUnhandled);
    process.off('rejectionHandled', onHandled);
    process.off('uncaughtException', onUncaught);
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

/**
 * Observes a call's result without awaiting it; a synchronous throw counts as a rejection.
 * `onSettled` runs the moment the outcome is known.
 */
function track(start: () => unknown, onSettled: (outcome: Outcome) => void = () => undefined): Outcome {
  const outcome: Outcome = { state: 'pending' };
  const settle = (update: Omit<Outcome, 'state'> & { state: 'resolved' | 'rejected' }): void => {
    Object.assign(outcome, update);
    onSettled(outcome);
  };
  try {
    Promise.resolve(start()).then(
      (value) => settle({ state: 'resolved', value }),
      (error: unknown) => settle({ state: 'rejected', error }),
    );
  } catch (error) {
    settle({ state: 'rejected', error });
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
// The model check: generated command sequences over the whole API, with generated handlers, run
// against the implementation while the model (model.ts) judges every call as it happens.

/** What a handler or onError throws or rejects with: any value, not only Errors. */
const THROWN_KINDS = [
  'Error',
  'TypeError',
  'string',
  'empty string',
  'undefined',
  'null',
  'zero',
  'false',
  'NaN',
  'object',
  'array',
  'symbol',
] as const;
type ThrownKind = (typeof THROWN_KINDS)[number];

/** A fresh value of the kind, so a report can be traced to the call that failed. */
function makeThrown(kind: ThrownKind, label: string): unknown {
  switch (kind) {
    case 'Error':
      return new Error(label);
    case 'TypeError':
      return new TypeError(label);
    case 'string':
      return label;
    case 'empty string':
      return '';
    case 'undefined':
      return undefined;
    case 'null':
      return null;
    case 'zero':
      return 0;
    case 'false':
      return false;
    case 'NaN':
      return Number.NaN;
    case 'object':
      return { code: 'E_FAILED', label };
    case 'array':
      return [label];
    case 'symbol':
      return Symbol(label);
  }
}

type Ending =
  | { readonly kind: 'return'; readonly value: 'undefined' | 'number' | 'string' }
  | { readonly kind: 'throw'; readonly thrown: ThrownKind }
  | { readonly kind: 'microtasks'; readonly hops: number; readonly fails: ThrownKind | undefined }
  | { readonly kind: 'timer'; readonly ms: number; readonly fails: ThrownKind | undefined }
  /** Returns a promise the check settles later, with a `finish` step. */
  | { readonly kind: 'deferred' };

/** What a handler does from inside, before it ends: re-entrant calls on the same PubSub. */
type Action =
  /** `own` is the topic of the subscription being called. */
  | { readonly kind: 'publish'; readonly topic: 'own' | number }
  | { readonly kind: 'subscribe'; readonly topic: 'own' | number; readonly program: number }
  /** `neighbour`: the next subscription of the same topic still subscribed, if any. */
  | { readonly kind: 'unsubscribe'; readonly target: 'itself' | 'neighbour' | number }
  | { readonly kind: 'count'; readonly topic: number };

interface Behaviour {
  readonly actions: readonly Action[];
  readonly ending: Ending;
}

/** A handler's behaviour per call, used in turn: call n does program[n % length]. */
type Program = readonly Behaviour[];

type OnError =
  | { readonly kind: 'returns' }
  | { readonly kind: 'resolves' }
  | { readonly kind: 'throws'; readonly thrown: ThrownKind }
  | { readonly kind: 'rejects'; readonly thrown: ThrownKind };

const thrownKind = fc.constantFrom(...THROWN_KINDS);

const ending: fc.Arbitrary<Ending> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc
      .constantFrom('undefined', 'number', 'string')
      .map((value): Ending => ({ kind: 'return', value: value as 'undefined' | 'number' | 'string' })),
  },
  { weight: 2, arbitrary: thrownKind.map((thrown): Ending => ({ kind: 'throw', thrown })) },
  {
    weight: 2,
    arbitrary: fc
      .record({ hops: fc.integer({ min: 0, max: 3 }), fails: fc.option(thrownKind, { nil: undefined }) })
      .map(({ hops, fails }): Ending => ({ kind: 'microtasks', hops, fails })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ ms: fc.integer({ min: 0, max: 5 }), fails: fc.option(thrownKind, { nil: undefined }) })
      .map(({ ms, fails }): Ending => ({ kind: 'timer', ms, fails })),
  },
  { weight: 3, arbitrary: fc.constant<Ending>({ kind: 'deferred' }) },
);

const topicTarget = fc.oneof(fc.constant<'own'>('own'), fc.nat(5));

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: topicTarget.map((topic): Action => ({ kind: 'publish', topic })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(topicTarget, fc.nat(2))
      .map(([topic, program]): Action => ({ kind: 'subscribe', topic, program })),
  },
  {
    weight: 3,
    arbitrary: fc
      .oneof(fc.constantFrom<'itself' | 'neighbour'>('itself', 'neighbour'), fc.nat(9))
      .map((target): Action => ({ kind: 'unsubscribe', target })),
  },
  { weight: 1, arbitrary: fc.nat(5).map((topic): Action => ({ kind: 'count', topic })) },
);

const behaviour: fc.Arbitrary<Behaviour> = fc.record({
  actions: fc.oneof(
    { weight: 3, arbitrary: fc.constant([]) },
    { weight: 2, arbitrary: fc.array(action, { maxLength: 2 }) },
  ),
  ending,
});

const program: fc.Arbitrary<Program> = fc.array(behaviour, { minLength: 1, maxLength: 3 });

/** Topics of every shape: empty, prototype names, case and space variants, any Unicode. */
const topicName = lazyArbitrary(() =>
  fc.oneof(
    fc.constantFrom('', '__proto__', 'constructor', 'toString', 'hasOwnProperty', ' ', 'orders', 'Orders', 'orders '),
    fc.string({ unit: 'grapheme', maxLength: 4 }),
    fc.string({ unit: 'binary', maxLength: 3 }),
  ),
);

const onErrorBehaviour: fc.Arbitrary<OnError> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<OnError>({ kind: 'returns' }) },
  { weight: 1, arbitrary: fc.constant<OnError>({ kind: 'resolves' }) },
  { weight: 2, arbitrary: thrownKind.map((thrown): OnError => ({ kind: 'throws', thrown })) },
  { weight: 2, arbitrary: thrownKind.map((thrown): OnError => ({ kind: 'rejects', thrown })) },
);

interface RunOptions {
  readonly topics: readonly string[];
  readonly onError: OnError;
  /** The handlers that handlers subscribe from inside. */
  readonly programs: readonly Program[];
}

const runOptions: fc.Arbitrary<RunOptions> = fc.record({
  topics: fc.oneof(
    { weight: 3, arbitrary: fc.uniqueArray(topicName, { minLength: 2, maxLength: 2 }) },
    { weight: 1, arbitrary: fc.uniqueArray(topicName, { minLength: 3, maxLength: 3 }) },
  ),
  onError: onErrorBehaviour,
  programs: fc.array(program, { minLength: 3, maxLength: 3 }),
});

const PRIMITIVE_PAYLOADS: readonly unknown[] = [undefined, null, 0, '', false, Number.NaN];

/** Bad arguments from the README's list, with the type name a message must mention. */
const BAD_TOPICS: readonly (readonly [() => unknown, string, RegExp])[] = [
  [() => 42, '42', /number/],
  [() => true, 'true', /boolean/],
  [() => 10n, '10n', /bigint/],
  [() => undefined, 'undefined', /undefined/],
  [() => null, 'null', /null/],
  [() => ['orders'], '["orders"]', /array|object/i],
  [() => ({ toString: () => 'orders' }), '{ toString }', /object/],
  [() => Symbol('orders'), 'Symbol(orders)', /symbol/i],
  [() => () => 'orders', 'a function', /function/],
];
const BAD_HANDLERS: readonly (readonly [() => unknown, string, RegExp])[] = [
  [() => undefined, 'undefined', /undefined/],
  [() => null, 'null', /null/],
  [() => 'handler', '"handler"', /string/],
  [() => 42, '42', /number/],
  [() => ({ handleEvent: () => undefined }), '{ handleEvent }', /object/],
  [() => [() => undefined], '[function]', /array|object/i],
  [() => true, 'true', /boolean/],
];

type BadCall = 'subscribe(topic)' | 'subscribe(handler)' | 'publish(topic)' | 'subscriberCount(topic)';

/** Limits on what handlers start from inside, so a handler that publishes to itself ends. */
const MAX_SUBSCRIPTIONS = 12;
const MAX_PUBLISHES = 30;

interface HandlerRecord {
  readonly program: Program;
  /** Only these may be subscribed twice: every call ends at once and unsubscribes no one. */
  readonly synchronous: boolean;
  readonly fn: (payload: unknown) => unknown;
  readonly subscriptions: ModelSubscription[];
  calls: number;
}

interface PendingCall {
  readonly subscription: ModelSubscription;
  readonly payload: unknown;
  readonly settle: (failure: unknown, fails: boolean) => void;
}

interface TrackedPublish {
  readonly model: ModelPublish;
  readonly outcome: Outcome;
}

/** The implementation, the model, and what the run has seen so far. */
class World {
  readonly model = new PubSubModel();
  readonly reports: Reports = [];
  /** Broken rules seen between steps (inside handlers, in publish callbacks), first one first. */
  readonly violations: string[] = [];
  /** What happened during the current step, in words, for failure messages. */
  events: string[] = [];
  readonly handlers: HandlerRecord[] = [];
  readonly handlerOf = new Map<ModelSubscription, HandlerRecord>();
  readonly unsubscribers = new Map<ModelSubscription, () => void>();
  readonly pending: PendingCall[] = [];
  readonly publishes: TrackedPublish[] = [];
  /** Values onError threw or rejected with: they must go nowhere. */
  readonly onErrorFailures: unknown[] = [];
  readonly pubsub: Instance;
  private primitivesLeft = [...PRIMITIVE_PAYLOADS];
  private objectPayloads = 0;

  constructor(
    impl: typeof PubSubModule,
    readonly options: RunOptions,
    readonly environment: Environment,
  ) {
    const onError = (error: unknown, delivery: FailedDelivery): unknown => {
      this.reports.push({ error, topic: delivery?.topic, payload: delivery?.payload });
      const behaviour = options.onError;
      if (behaviour.kind === 'returns') return undefined;
      if (behaviour.kind === 'resolves') return Promise.resolve();
      const thrown = makeThrown(behaviour.thrown, `onError failed on report ${this.reports.length}`);
      this.onErrorFailures.push(thrown);
      if (behaviour.kind === 'throws') throw thrown;
      return Promise.resolve().then(() => Promise.reject(thrown));
    };
    this.pubsub = new impl.PubSub({ onError: onError as PubSubModule.PubSubOptions['onError'] });
  }

  topic(index: number): string {
    return this.options.topics[index % this.options.topics.length]!;
  }

  /** A payload no other publish of this run uses: mostly objects, each primitive at most once. */
  nextPayload(primitive: boolean): unknown {
    if (primitive && this.primitivesLeft.length > 0) return this.primitivesLeft.shift();
    return { payload: ++this.objectPayloads };
  }

  showPayload = (payload: unknown): string => {
    if (typeof payload === 'object' && payload !== null && 'payload' in payload) {
      return `payload ${(payload as { payload: number }).payload}`;
    }
    return `payload ${show(payload)}`;
  };

  violate(message: string): void {
    this.violations.push(message);
  }

  get broken(): boolean {
    return this.violations.length > 0;
  }

  handler(program: Program): HandlerRecord {
    // A function subscribed twice is called without saying for which subscription. The model can
    // tell them apart only when it does not matter: calls that end at once and unsubscribe no one.
    const synchronous = program.every(
      ({ actions, ending }) =>
        (ending.kind === 'return' || ending.kind === 'throw') && actions.every((a) => a.kind !== 'unsubscribe'),
    );
    const record: HandlerRecord = {
      program,
      synchronous,
      subscriptions: [],
      calls: 0,
      fn: (payload) => this.handle(record, payload),
    };
    this.handlers.push(record);
    return record;
  }

  subscribe(topic: string, record: HandlerRecord, where: string): void {
    if (this.model.subscriptions.length >= MAX_SUBSCRIPTIONS) return;
    const subscription = this.model.subscribe(topic);
    record.subscriptions.push(subscription);
    this.handlerOf.set(subscription, record);
    this.events.push(`${where} subscribes #${subscription.id} to ${show(topic)}`);
    let unsubscribe: unknown;
    try {
      unsubscribe = this.pubsub.subscribe(topic, record.fn);
    } catch (error) {
      this.violate(`subscribe(${show(topic)}, handler) threw ${describeError(error)}`);
      return;
    }
    if (typeof unsubscribe !== 'function') {
      this.violate(`subscribe(${show(topic)}, handler) returned ${show(unsubscribe)}, not an unsubscribe function`);
      return;
    }
    this.unsubscribers.set(subscription, unsubscribe as () => void);
  }

  unsubscribe(subscription: ModelSubscription, where: string): void {
    const twin = this.indistinctTwin(subscription);
    if (twin !== undefined) {
      this.events.push(
        `${where} leaves #${subscription.id} subscribed (its handler is also #${twin.id}, in another state)`,
      );
      return;
    }
    this.events.push(`${where} unsubscribes #${subscription.id}${subscription.active ? '' : ' again'}`);
    this.model.unsubscribe(subscription);
    try {
      this.unsubscribers.get(subscription)?.();
    } catch (error) {
      this.violate(`unsubscribe() of #${subscription.id} threw ${describeError(error)}`);
    }
  }

  publish(topic: string, payload: unknown, where: string): void {
    if (this.model.publishes.length >= MAX_PUBLISHES) return;
    const model = this.model.publish(topic, payload);
    this.events.push(`${where} publishes ${this.showPayload(payload)} to ${show(topic)}`);
    // Judged the moment it settles: resolving while a handler still works on the payload is early.
    const name = `publish ${model.id} (${this.showPayload(payload)} to ${show(topic)})`;
    const outcome = track(
      () => this.pubsub.publish(topic, payload),
      (settled) => {
        if (settled.state === 'rejected') return this.violate(`${name} rejected with ${describeError(settled.error)}`);
        if (!this.model.isSettled(model)) {
          return this.violate(
            `${name} resolved to ${show(settled.value)} while ${model.outstanding} of its deliveries were still queued or being handled`,
          );
        }
        if (settled.value !== model.delivered) {
          this.violate(`${name} resolved to ${show(settled.value)}; it was delivered to ${model.delivered} handler(s)`);
        }
      },
    );
    this.publishes.push({ model, outcome });
  }

  /**
   * Another active subscription of the same function whose state differs from this one's (on any
   * topic: a primitive payload can be published to two topics and be accepted by both). A call of
   * that function does not say which subscription it is for, so the model may have credited a call
   * to the wrong one of the two; they swap back at the next call, but unsubscribing one in between
   * would drop a different queue in the model than in the implementation. Such an unsubscribe is
   * skipped, in the model and the implementation alike (same-handler-twice checks it on its own).
   */
  indistinctTwin(subscription: ModelSubscription): ModelSubscription | undefined {
    const record = this.handlerOf.get(subscription);
    if (record === undefined || !subscription.active) return undefined;
    const sameDelivery = (a: ModelSubscription['inFlight'], b: ModelSubscription['inFlight']): boolean =>
      a === undefined || b === undefined ? a === b : a.publish === b.publish;
    return record.subscriptions.find(
      (other) =>
        other !== subscription &&
        other.active &&
        !(
          other.topic === subscription.topic &&
          sameDelivery(other.inFlight, subscription.inFlight) &&
          other.queue.length === subscription.queue.length &&
          other.queue.every((delivery, index) => sameDelivery(delivery, subscription.queue[index]))
        ),
    );
  }

  /** Which subscription a call of this handler is for: the one the contract expects it for now. */
  pickSubscription(record: HandlerRecord, payload: unknown): ModelSubscription {
    const accepting = record.subscriptions.find((subscription) => this.model.accepts(subscription, payload));
    if (accepting !== undefined) return accepting;
    // No subscription may take it: name the one the message can explain best.
    return (
      record.subscriptions.find((s) => s.queue.some((d) => Object.is(d.publish.payload, payload))) ??
      record.subscriptions.find((s) => s.inFlight !== undefined && Object.is(s.inFlight.publish.payload, payload)) ??
      record.subscriptions[0]!
    );
  }

  handle(record: HandlerRecord, payload: unknown): unknown {
    if (this.broken) return undefined;
    const subscription = this.pickSubscription(record, payload);
    const refused = this.model.call(subscription, payload, this.showPayload);
    if (refused !== undefined) {
      this.violate(refused);
      return undefined;
    }
    const behaviour = record.program[record.calls++ % record.program.length]!;
    const who = `#${subscription.id}`;
    this.events.push(`${who} is called with ${this.showPayload(payload)}`);
    for (const step of behaviour.actions) this.act(step, subscription, who);
    return this.end(behaviour.ending, subscription, payload, who);
  }

  act(step: Action, subscription: ModelSubscription, who: string): void {
    if (this.broken) return;
    switch (step.kind) {
      case 'publish': {
        const topic = step.topic === 'own' ? subscription.topic : this.topic(step.topic);
        return this.publish(topic, this.nextPayload(false), who);
      }
      case 'subscribe': {
        const topic = step.topic === 'own' ? subscription.topic : this.topic(step.topic);
        return this.subscribe(topic, this.handler(this.options.programs[step.program]!), who);
      }
      case 'unsubscribe': {
        const all = this.model.subscriptions;
        const target =
          step.target === 'itself'
            ? subscription
            : step.target === 'neighbour'
              ? (all.find((s) => s.id > subscription.id && s.active && s.topic === subscription.topic) ??
                all.find((s) => s.id !== subscription.id && s.active && s.topic === subscription.topic))
              : all[step.target % all.length];
        if (target === undefined) return;
        return this.unsubscribe(target, who);
      }
      case 'count':
        return this.compareCounts(`inside ${who}'s handler`, [this.topic(step.topic)]);
    }
  }

  end(ending: Ending, subscription: ModelSubscription, payload: unknown, who: string): unknown {
    const failure = (kind: ThrownKind) => {
      const label = `${who} failed on ${this.showPayload(payload)}`;
      return { error: makeThrown(kind, label), label: `${label} (${kind})` };
    };
    switch (ending.kind) {
      case 'return':
        this.model.finish(subscription);
        return ending.value === 'undefined' ? undefined : ending.value === 'number' ? 42 : 'done';
      case 'throw': {
        const thrown = failure(ending.thrown);
        this.model.finish(subscription, thrown);
        throw thrown.error;
      }
      case 'microtasks':
        return (async () => {
          for (let hop = 0; hop < ending.hops; hop++) await null;
          this.finishLater(subscription, ending.fails === undefined ? undefined : failure(ending.fails));
        })();
      case 'timer':
        return new Promise<void>((resolve, reject) => {
          setTimeout(() => {
            const failed = ending.fails === undefined ? undefined : failure(ending.fails);
            this.model.finish(subscription, failed);
            if (failed === undefined) resolve();
            else reject(failed.error);
          }, ending.ms);
        });
      case 'deferred':
        return new Promise<void>((resolve, reject) => {
          this.pending.push({
            subscription,
            payload,
            settle: (error, fails) => {
              this.model.finish(
                subscription,
                fails ? { error, label: `${who} rejected ${this.showPayload(payload)}` } : undefined,
              );
              if (fails) reject(error);
              else resolve();
            },
          });
        });
    }
  }

  /** Marks an async call finished and, when it fails, throws out of the async body (its rejection). */
  finishLater(subscription: ModelSubscription, failure: { error: unknown; label: string } | undefined): void {
    this.model.finish(subscription, failure);
    if (failure !== undefined) throw failure.error;
  }

  compareCounts(when: string, topics: readonly string[] = this.options.topics): void {
    for (const topic of topics) {
      const expected = this.model.subscriberCount(topic);
      const actual = attemptValue(() => this.pubsub.subscriberCount(topic));
      if (!Object.is(actual, expected)) {
        this.violate(
          `subscriberCount(${show(topic)}) ${when} answered ${show(actual)}, the topic has ${expected} subscription(s)`,
        );
      }
    }
    const topics_ = this.model.topicCount();
    const actual = attemptValue(() => this.pubsub.topicCount());
    if (!Object.is(actual, topics_))
      this.violate(`topicCount() ${when} answered ${show(actual)}, ${topics_} topic(s) have subscriptions`);
  }

  /** What must hold once everything that can run has run. */
  verify(): void {
    const first = this.violations[0];
    if (first !== undefined) throw new Error(this.withEvents(first));
    for (const reason of this.environment.unhandledRejections()) {
      const origin = this.onErrorFailures.some((value) => Object.is(value, reason)) ? 'onError' : 'a handler';
      throw new Error(
        this.withEvents(`a rejection from ${origin} reached the process unhandled: ${describeError(reason)}`),
      );
    }
    for (const error of this.environment.uncaughtExceptions()) {
      throw new Error(this.withEvents(`an exception escaped to the event loop: ${describeError(error)}`));
    }
    for (const idle of this.model.idleWithWork()) {
      const waiting = idle.queue.map((delivery) => this.showPayload(delivery.publish.payload)).join(', ');
      throw new Error(this.withEvents(`#${idle.id}'s handler is idle, but ${waiting} never reached it`));
    }
    for (const { model, outcome } of this.publishes) {
      const name = `publish ${model.id} (${this.showPayload(model.payload)} to ${show(model.topic)})`;
      if (this.model.isSettled(model)) {
        if (outcome.state !== 'resolved' || outcome.value !== model.delivered) {
          throw new Error(
            this.withEvents(`${name} ${describeOutcome(outcome)}; it should resolve to ${model.delivered}`),
          );
        }
      } else if (outcome.state !== 'pending') {
        throw new Error(
          this.withEvents(
            `${name} ${describeOutcome(outcome)} while ${model.outstanding} of its deliveries are unfinished`,
          ),
        );
      }
    }
    this.compareCounts('after the step');
    const problem = this.violations[0];
    if (problem !== undefined) throw new Error(this.withEvents(problem));
    this.compareReports();
    this.events = [];
  }

  compareReports(): void {
    const unmatched = [...this.model.expectedReports];
    for (const report of this.reports) {
      const index = unmatched.findIndex(
        (expected) =>
          Object.is(expected.error, report.error) &&
          expected.topic === report.topic &&
          Object.is(expected.payload, report.payload),
      );
      if (index === -1) {
        throw new Error(
          this.withEvents(
            `onError was called with ${describeError(report.error)} for ${this.showPayload(report.payload)} on topic ${show(report.topic)}, which is no failed call's error (or was reported twice)`,
          ),
        );
      }
      unmatched.splice(index, 1);
    }
    const missing = unmatched[0];
    if (missing !== undefined) {
      throw new Error(this.withEvents(`onError never heard that ${missing.label}, on topic ${show(missing.topic)}`));
    }
  }

  withEvents(message: string): string {
    return this.events.length === 0
      ? message
      : `${message} (during the last step: ${this.events.slice(-12).join(', ')})`;
  }
}

function attemptValue(run: () => unknown): unknown {
  try {
    return run();
  } catch (error) {
    return `a throw of ${describeError(error)}`;
  }
}

type WorldCommand = fc.Arbitrary<fc.AsyncCommand<World, World>>;

/** Runs the step, lets everything that can run run, and compares with the model. */
async function step(world: World, run: () => void | Promise<void>): Promise<void> {
  await run();
  try {
    await flush();
  } catch (error) {
    world.violate(`a timer callback threw ${describeError(error)}: an error escaped to the event loop`);
  }
  world.verify();
}

const describeProgram = (handler: Program): string =>
  handler
    .map(({ actions, ending }) => {
      const done =
        ending.kind === 'return'
          ? 'returns'
          : ending.kind === 'throw'
            ? `throws ${ending.thrown}`
            : ending.kind === 'microtasks'
              ? `${ending.fails === undefined ? 'resolves' : `rejects with ${ending.fails}`} after ${ending.hops} microtask(s)`
              : ending.kind === 'timer'
                ? `${ending.fails === undefined ? 'resolves' : `rejects with ${ending.fails}`} after ${ending.ms} ms`
                : 'waits to be finished';
      const topicOf = (topic: 'own' | number): string => (topic === 'own' ? 'its own topic' : `T${topic}`);
      const inside = actions.map((a) =>
        a.kind === 'unsubscribe'
          ? `unsubscribes ${typeof a.target === 'number' ? `subscription ${a.target}` : a.target === 'itself' ? 'itself' : 'the next subscriber of its topic'}`
          : a.kind === 'subscribe'
            ? `subscribes handler ${a.program} to ${topicOf(a.topic)}`
            : `${a.kind === 'publish' ? 'publishes to' : 'counts'} ${topicOf(a.topic)}`,
      );
      return [...inside, done].join(' then ');
    })
    .join('; next call ');

const subscribeCommand: WorldCommand = command<World, World, { topic: number; handler: Program; again: boolean }>({
  args: fc.record({ topic: fc.nat(5), handler: program, again: fc.boolean() }),
  describe: ({ topic, handler, again }) =>
    again
      ? `subscribe an existing handler that ends at once again to T${topic}`
      : `subscribe to T${topic} a handler that ${describeProgram(handler)}`,
  run: (world, _, { topic, handler, again }) =>
    step(world, () => {
      const reusable = world.handlers.filter((record) => record.synchronous);
      const record = again && reusable.length > 0 ? reusable[topic % reusable.length]! : world.handler(handler);
      world.subscribe(world.topic(topic), record, 'the check');
    }),
});

const unsubscribeCommand: WorldCommand = command<World, World, { pick: number }>({
  args: fc.record({ pick: fc.nat(11) }),
  describe: ({ pick }) => `unsubscribe subscription ${pick} (counted from 0, wrapping)`,
  run: (world, _, { pick }) =>
    step(world, () => {
      const all = world.model.subscriptions;
      if (all.length > 0) world.unsubscribe(all[pick % all.length]!, 'the check');
    }),
});

const publishCommand: WorldCommand = command<World, World, { topic: number; times: number; primitive: boolean }>({
  args: fc.record({ topic: fc.nat(5), times: fc.integer({ min: 1, max: 3 }), primitive: fc.boolean() }),
  describe: ({ topic, times, primitive }) =>
    `publish ${times} payload(s) to T${topic} without awaiting${primitive ? ', the first a primitive' : ''}`,
  run: (world, _, { topic, times, primitive }) =>
    step(world, () => {
      for (let time = 0; time < times; time++) {
        world.publish(world.topic(topic), world.nextPayload(primitive && time === 0), 'the check');
      }
    }),
});

const finishCommand: WorldCommand = command<World, World, { pick: number; fails: ThrownKind | undefined }>({
  args: fc.record({ pick: fc.nat(7), fails: fc.option(thrownKind, { nil: undefined }) }),
  describe: ({ pick, fails }) =>
    `settle waiting handler call ${pick} (wrapping)${fails === undefined ? '' : `, rejecting with ${fails}`}`,
  run: (world, _, { pick, fails }) =>
    step(world, () => {
      if (world.pending.length === 0) return;
      const [call] = world.pending.splice(pick % world.pending.length, 1);
      const which = `#${call!.subscription.id}'s call with ${world.showPayload(call!.payload)}`;
      world.events.push(`the check ${fails === undefined ? 'resolves' : 'rejects'} ${which}`);
      call!.settle(
        fails === undefined ? undefined : makeThrown(fails, `the check rejected ${which}`),
        fails !== undefined,
      );
    }),
});

const badCallCommand: WorldCommand = command<World, World, { call: BadCall; value: number }>({
  args: fc.record({
    call: fc.constantFrom<BadCall>(
      'subscribe(topic)',
      'subscribe(handler)',
      'publish(topic)',
      'subscriberCount(topic)',
    ),
    value: fc.nat(8),
  }),
  describe: ({ call, value }) => {
    const bad =
      call === 'subscribe(handler)'
        ? BAD_HANDLERS[value % BAD_HANDLERS.length]!
        : BAD_TOPICS[value % BAD_TOPICS.length]!;
    return `call ${call.replace(/\((\w+)\)/, `(with ${bad[1]} as $1)`)}`;
  },
  run: (world, _, { call, value }) =>
    step(world, async () => {
      const handlerArgument = call === 'subscribe(handler)';
      const [make, label, received] = handlerArgument
        ? BAD_HANDLERS[value % BAD_HANDLERS.length]!
        : BAD_TOPICS[value % BAD_TOPICS.length]!;
      const bad = make();
      const never = (): void => world.violate(`a handler passed with a bad ${call} call was called`);
      const api = world.pubsub as unknown as Record<string, (...args: unknown[]) => unknown>;
      const what = `${call.split('(')[0]}(${handlerArgument ? `${show(world.topic(0))}, ${label}` : label})`;
      const outcome =
        call === 'publish(topic)'
          ? track(() => api.publish!.call(world.pubsub, bad, { payload: 'never' }))
          : track(() =>
              call === 'subscriberCount(topic)'
                ? api.subscriberCount!.call(world.pubsub, bad)
                : api.subscribe!.call(
                    world.pubsub,
                    handlerArgument ? world.topic(0) : bad,
                    handlerArgument ? bad : never,
                  ),
            );
      await flush();
      const error = outcome.error;
      if (outcome.state !== 'rejected' || !(error instanceof Error) || error.name !== 'TypeError') {
        world.violate(`${what} should throw a TypeError; it ${describeOutcome(outcome)}`);
        return;
      }
      const names = handlerArgument ? /handler/ : /topic/;
      if (!names.test(error.message) || !received.test(error.message)) {
        world.violate(
          `${what}: the TypeError's message ${show(error.message)} should name ${names.source} and say ${received.source} was received`,
        );
      }
    }),
});

const countCommand: WorldCommand = command<World, World, { topic: string }>({
  args: fc.record({ topic: topicName }),
  describe: ({ topic }) => `count subscribers of ${show(topic)}`,
  run: (world, _, { topic }) => step(world, () => world.compareCounts(`for ${show(topic)}`, [topic])),
});

/** Subscribing, publishing and finishing calls are what reach interesting states: drawn twice as often. */
const worldCommands: WorldCommand[] = [
  subscribeCommand,
  subscribeCommand,
  publishCommand,
  publishCommand,
  finishCommand,
  finishCommand,
  unsubscribeCommand,
  badCallCommand,
  countCommand,
];

async function runWorld(
  impl: typeof PubSubModule,
  environment: Environment,
  options: RunOptions,
  commands: Iterable<fc.AsyncCommand<World, World>>,
): Promise<void> {
  const prototypeBefore = new Set(Reflect.ownKeys(Object.prototype));
  const names = options.topics.map((topic, index) => `T${index} = ${show(topic)}`).join(', ');
  const handlers = options.programs.map((handler, index) => `handler ${index} ${describeProgram(handler)}`).join('; ');
  const onError =
    options.onError.kind === 'throws' || options.onError.kind === 'rejects'
      ? `onError that ${options.onError.kind} ${options.onError.thrown}`
      : `onError that ${options.onError.kind}`;
  try {
    await runCommands(() => {
      const world = new World(impl, options, environment);
      return {
        model: world,
        real: world,
        description: `topics ${names} (Tn is topic n modulo their number), an ${onError}, and ${handlers}`,
      };
    }, commands);
  } finally {
    const added = Reflect.ownKeys(Object.prototype).filter((key) => !prototypeBefore.has(key));
    for (const key of added) delete (Object.prototype as Record<PropertyKey, unknown>)[key];
    if (added.length > 0) throw new Error(`Object.prototype gained ${added.map(String).join(', ')} during the run`);
  }
}

// ---------------------------------------------------------------------------------------------

export default defineSpec<typeof PubSubModule>('pubsub', ({ check }) => {
  check(
    {
      id: 'delivers-to-subscribers',
      title: "publish delivers the payload to each of the topic's subscribers and resolves to how many it reached",
      item: 'api-design',
      weight: 2,
      rules: ['delivers-payload', 'publish-counts-deliveries', 'counts-match-subscriptions', 'empty-topics-forgotten'],
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

        const bare = track(() => pubsub.publish('invoices'));
        await flush();
        expect(invoices.seen, 'publish("invoices") without a payload delivers undefined').toEqual([undefined]);
        expect(bare.value, `publish("invoices") without a payload ${describeOutcome(bare)}`).toBe(1);

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
      rules: ['publish-waits-for-handlers'],
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
      rules: ['failure-isolated', 'publish-never-rejects', 'publish-counts-deliveries', 'ordered-per-subscription'],
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
      rules: ['errors-reported-once', 'delivers-payload', 'failure-isolated'],
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
        pubsub.subscribe('payments', (payload: { id: string }) => fail(payload, 'the thrown undefined', undefined));
        pubsub.subscribe('payments', async (payload: { id: string }) => {
          await null;
          fail(payload, 'the rejection with null', null);
        });
        pubsub.subscribe('payments', (payload: { id: string }) => {
          const error = { code: 'E_LEDGER', id: payload.id };
          thrown.push({ error, payload, label: 'the rejected code object' });
          return Promise.reject(error);
        });
        pubsub.subscribe('payments', () => undefined);
        const payloads = [{ id: 'pay-1' }, { id: 'pay-2' }];
        for (const payload of payloads) track(() => pubsub.publish('payments', payload));
        await flush();

        expect(
          thrown.length,
          `the 6 failing handlers were called ${thrown.length} times in all for 2 payloads; each should see both`,
        ).toBe(12);
        for (const { error, payload, label } of thrown) {
          const matching = reports.filter((report) => Object.is(report.error, error) && report.payload === payload);
          expect(matching.length, `onError calls with ${label} thrown for payload ${payload.id}`).toBe(1);
          expect(matching[0]!.payload, `the payload onError was given with ${label} thrown for ${payload.id}`).toBe(
            payload,
          );
          expect(matching[0]!.topic, `the topic onError was given with ${label} thrown for ${payload.id}`).toBe(
            'payments',
          );
        }
        expect(reports.length, 'onError calls in all, for 2 payloads to 6 failing handlers').toBe(12);
      }),
  );

  check(
    {
      id: 'no-unhandled-rejections',
      title: 'a rejecting handler never surfaces as an unhandled rejection',
      item: 'system-error-handling',
      weight: 2,
      redFlag: 'no-error-handling',
      rules: ['no-unhandled-rejection'],
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
      id: 'on-error-failures-contained',
      title: 'an onError that throws or rejects changes nothing for delivery, and its error surfaces nowhere',
      item: 'system-error-handling',
      weight: 2,
      redFlag: 'no-error-handling',
      rules: [
        'on-error-failure-contained',
        'no-unhandled-rejection',
        'publish-never-rejects',
        'failure-isolated',
        'errors-reported-once',
        'ordered-per-subscription',
      ],
    },
    ({ impl }) =>
      controlled(async (environment) => {
        const failingOnErrors: [string, () => unknown][] = [
          [
            'throws an Error',
            () => {
              throw new Error('the logger is down');
            },
          ],
          [
            'throws a string',
            () => {
              throw 'the logger is down';
            },
          ],
          [
            'is async and rejects',
            async () => {
              await null;
              throw new Error('the log store is down');
            },
          ],
          ['returns a promise rejected with undefined', () => Promise.reject(undefined)],
        ];
        for (const [label, failure] of failingOnErrors) {
          environment.clear();
          const reports: unknown[] = [];
          const pubsub = new impl.PubSub({
            onError: ((error: unknown) => {
              reports.push(error);
              return failure();
            }) as PubSubModule.PubSubOptions['onError'],
          });
          const failing: unknown[] = [];
          const healthy = recorder();
          pubsub.subscribe('jobs', (payload) => {
            failing.push(payload);
            throw new Error(`job ${show(payload)} failed`);
          });
          pubsub.subscribe('jobs', healthy.handler);
          pubsub.subscribe('jobs', async (payload) => {
            await null;
            throw `job ${show(payload)} failed later`;
          });
          const outcomes = [1, 2, 3].map((payload) => track(() => pubsub.publish('jobs', payload)));
          await flush();
          await flush();
          const context = `with an onError that ${label}`;
          outcomes.forEach((outcome, index) => {
            expect(outcome.state, `publish("jobs", ${index + 1}) ${describeOutcome(outcome)} ${context}`).toBe(
              'resolved',
            );
            expect(outcome.value, `publish("jobs", ${index + 1}) reached all 3 handlers ${context}`).toBe(3);
          });
          expect(failing, `the failing handler, which should keep receiving payloads ${context}`).toEqual([1, 2, 3]);
          expect(healthy.seen, `the healthy handler beside it ${context}`).toEqual([1, 2, 3]);
          expect(reports.length, `onError calls for 6 handler failures ${context}: never for its own failures`).toBe(6);
          const unhandled = environment.unhandledRejections();
          expect(unhandled.length, `unhandled rejections ${context}, the first: ${show(unhandled[0])}`).toBe(0);
          const uncaught = environment.uncaughtExceptions();
          expect(uncaught.length, `uncaught exceptions ${context}, the first: ${show(uncaught[0])}`).toBe(0);
        }
      }),
  );

  check(
    {
      id: 'reentrant-publish-order',
      title: 'a handler that publishes from inside never lets its payload overtake the one being delivered',
      item: 'race-conditions',
      rules: ['ordered-per-subscription'],
    },
    ({ impl }) =>
      controlled(async () => {
        const pubsub = createPubSub(impl);
        const second = recorder();
        const third = recorder();
        pubsub.subscribe('chat', (message) => {
          if (message === 'question') track(() => pubsub.publish('chat', 'answer'));
        });
        pubsub.subscribe('chat', second.handler);
        pubsub.subscribe('chat', third.handler);
        const outcome = track(() => pubsub.publish('chat', 'question'));
        await flush();
        expect(
          second.seen,
          'the second subscriber, when the first one publishes "answer" while "question" is being delivered',
        ).toEqual(['question', 'answer']);
        expect(third.seen, 'the third subscriber').toEqual(['question', 'answer']);
        expect(outcome.value, `publish("chat", "question") ${describeOutcome(outcome)}`).toBe(3);
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
      rules: ['ordered-per-subscription', 'no-overlap', 'publish-counts-deliveries'],
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
      rules: ['slow-handler-isolated', 'ordered-per-subscription'],
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
        'property: any sequence of subscribes, unsubscribes, publishes, bad calls and handler completions, with handlers that fail with any value, publish, subscribe and unsubscribe from inside, on topics of any shape and with an onError that may fail, does what the contract says',
      item: 'race-conditions',
      weight: 3,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 30_000,
      rules: [
        'delivers-payload',
        'publish-waits-for-handlers',
        'publish-counts-deliveries',
        'publish-never-rejects',
        'failure-isolated',
        'errors-reported-once',
        'no-unhandled-rejection',
        'on-error-failure-contained',
        'ordered-per-subscription',
        'no-overlap',
        'slow-handler-isolated',
        'subscribe-during-publish-misses',
        'no-call-after-unsubscribe',
        'unsubscribe-releases-publishes',
        'unsubscribe-inside-handler',
        'unsubscribe-idempotent',
        'same-handler-twice',
        'any-string-is-a-topic',
        'counts-match-subscriptions',
        'bad-topic-rejected',
        'bad-handler-rejected',
        'empty-topics-forgotten',
      ],
    },
    ({ impl, property }) =>
      controlled(async (environment) => {
        await property(
          fc.asyncProperty(
            runOptions,
            fc.commands(worldCommands, { maxCommands: 24, size: 'max' }),
            async (options, commands) => {
              // A rejection or exception left over from the previous case is not this case's fault.
              await flush();
              environment.clear();
              await runWorld(impl, environment, options, commands);
            },
          ),
          { numRuns: 200 },
        );
      }),
  );

  check(
    {
      id: 'subscribe-during-publish',
      title: 'a subscription added while a payload is being published does not receive that payload',
      item: 'race-conditions',
      weight: 2,
      rules: ['subscribe-during-publish-misses'],
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
      rules: ['unsubscribe-inside-handler', 'no-call-after-unsubscribe'],
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
      rules: ['no-call-after-unsubscribe', 'publish-counts-deliveries', 'no-overlap', 'ordered-per-subscription'],
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
      rules: ['unsubscribe-releases-publishes', 'no-overlap', 'publish-counts-deliveries', 'slow-handler-isolated'],
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
      rules: ['same-handler-twice'],
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
      rules: ['unsubscribe-idempotent', 'same-handler-twice'],
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
      rules: ['bad-topic-rejected', 'bad-handler-rejected', 'on-error-required'],
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
      rules: ['any-string-is-a-topic', 'empty-topics-forgotten'],
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
      rules: ['empty-topics-forgotten', 'counts-match-subscriptions'],
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
        // Other functions than the kept one, so the check does not lean on same-handler-twice.
        for (let cycle = 0; cycle < 1000; cycle++) pubsub.subscribe('kept', () => undefined)();
        expect(pubsub.subscriberCount('kept'), 'subscriberCount("kept") after 1000 more cycles on it').toBe(1);

        const crowd = [1, 2, 3].map(() => pubsub.subscribe('crowd', () => undefined));
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
