import fc from 'fast-check';
import { expect } from 'vitest';
import {
  command,
  createManualClock,
  defineSpec,
  outcomeDifference,
  runCommands,
  satisfies,
  settle,
  show,
  type ManualClock,
  type Outcome,
} from '../../harness/kit/index.ts';
import type * as Kata from './index.ts';
import {
  BreakerModel,
  BudgetModel,
  badBreakerOption,
  badBudgetOption,
  badRetryOption,
  breakerDue,
  ceilingAfter,
  RETRY_DEFAULTS,
  runRetry,
  scheduleOf,
  type ExpectedChange,
} from './model.ts';
import {
  driveRetry,
  flush,
  fmt,
  refusalMatches,
  runDifference,
  seededRandom,
  watchBreaker,
  watchBudget,
  worldOf,
  type AttemptPlan,
  type CallPlan,
  type Clock,
  type Recorder,
} from './observe.ts';
import { breakerOptionsArb, budgetOptionsArb, callPlanArb, describePlan, GARBAGE_HINTS, unit } from './arbitraries.ts';
import { raceBreaker, raceSharedCallers, START, type BreakerOp } from './interleavings.ts';

type Impl = typeof Kata;

/*
 * The spec reads in four parts: the README's rules are in kata.json (each check names the ones it
 * proves); the README as code is model.ts; what the spec draws is arbitraries.ts; how it watches an
 * implementation is observe.ts (one call) and interleavings.ts (many, under fast-check's
 * scheduler). Below: the model checks, then named scenarios a candidate can read, then the
 * headline races of 1000 callers.
 *
 * Every check injects `now`, `sleep` and `random`, so nothing here sleeps for real (one check of
 * the defaults aside, which waits a few milliseconds) and every run is the same run for its seed.
 */

// ---------------------------------------------------------------------------------------------
// Helpers for the named scenarios
// ---------------------------------------------------------------------------------------------

/** A sleep that resolves at once, records what was asked and moves a virtual clock. */
function instantTime(startMs = START) {
  let current = startMs;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => current,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      current += Number.isFinite(ms) && ms > 0 ? ms : 0;
    },
  };
}

/** An error the retrier should retry. */
function transient(message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code: 'ECONNRESET', ...extra });
}

interface Tracked<T> {
  readonly promise: Promise<T>;
  readonly state: () => 'pending' | 'fulfilled' | 'rejected';
  readonly value: () => T | undefined;
  readonly error: () => unknown;
}

/** Watches a promise without changing it, so a check can ask "has it settled yet?". */
function track<T>(promise: Promise<T>): Tracked<T> {
  let state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  let value: T | undefined;
  let error: unknown;
  promise.then(
    (result) => {
      state = 'fulfilled';
      value = result;
    },
    (reason: unknown) => {
      state = 'rejected';
      error = reason;
    },
  );
  return { promise, state: () => state, value: () => value, error: () => error };
}

/** Calls something that may throw synchronously or reject, and returns what it threw. */
async function thrownBy(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  return undefined;
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

function describe(error: unknown): string {
  if (error === undefined) return 'no error (the call went through)';
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return show(error);
}

/**
 * Moves the manual clock from one sleeper to the next until every promise has settled. A caller
 * that neither settles nor sleeps on the injected clock is reported, not waited for.
 */
async function runClockUntilSettled(clock: ManualClock, pending: () => number, label: string): Promise<void> {
  for (let step = 0; pending() > 0; step++) {
    if (step > 50_000) throw new Error(`${label}: ${pending()} call(s) still pending after 50 000 clock steps`);
    if (await clock.advanceToNext()) continue;
    await flush(5);
    if (pending() > 0 && clock.pending === 0) {
      throw new Error(
        `${label}: ${pending()} call(s) neither settled nor slept on the injected sleep (a real timer or a lost promise?)`,
      );
    }
  }
}

/** Runs retry() against a function that always fails and returns the delays it slept. */
async function delaysOf(impl: Impl, attempts: number, options: Kata.RetryOptions): Promise<number[]> {
  const time = instantTime();
  const outcome = await thrownBy(() =>
    impl.retry(
      () => {
        throw transient('service unavailable');
      },
      { ...options, maxAttempts: attempts, now: time.now, sleep: time.sleep },
    ),
  );
  expect(codeOf(outcome), `retry() with ${attempts} failing attempts should reject with a RetryError`).toBe(
    'ERR_RETRY_FAILED',
  );
  return time.sleeps;
}

/** Ceiling of the n-th delay (n from 1): min(cap, base * factor^(n-1)). */
function ceilingOf(n: number, base: number, factor: number, cap: number): number {
  return Math.min(cap, base * factor ** (n - 1));
}

/** Rounding to whole milliseconds is allowed. */
const TOLERANCE_MS = 1;

/** Options for a capped exponential schedule: base, factor, cap >= base, number of attempts. */
const schedule = fc.record({
  base: fc.integer({ min: 1, max: 5_000 }),
  factor: fc.double({ min: 1, max: 4, noNaN: true }),
  extra: fc.integer({ min: 0, max: 100_000 }),
  attempts: fc.integer({ min: 2, max: 12 }),
});

/** A random source that returns the given values in turn, over and over. */
function cycling(values: readonly number[]): () => number {
  let index = 0;
  return () => values[index++ % values.length]!;
}

// Plans for named runs through the model: short scripts repeat their last attempt.
const fails = (over: Partial<AttemptPlan> = {}): AttemptPlan => ({ ok: false, async: false, shape: 'error', ...over });
const succeeds = (over: Partial<AttemptPlan> = {}): AttemptPlan => ({ ok: true, async: true, shape: 'error', ...over });
function planOf(options: Record<string, unknown>, attempts: AttemptPlan[], extra: Partial<CallPlan> = {}): CallPlan {
  return { options, attempts, onRetry: true, draws: [0.5, 0.25, 0.75], ...extra };
}

interface NamedRun {
  readonly name: string;
  readonly plan: CallPlan;
  readonly budget?: ConstructorParameters<typeof BudgetModel>[0];
  readonly breaker?: ConstructorParameters<typeof BreakerModel>[0];
  /** Fail the breaker this many times (directly) before the run, so it starts open. */
  readonly breakerFailuresBefore?: number;
  /** The clock's time when the run starts. Default: 2026-01-01T00:00:00Z. */
  readonly startAt?: number;
}

/** Runs each named plan against the implementation and the model; the first difference fails the check. */
async function expectRuns(impl: Impl, runs: readonly NamedRun[]): Promise<void> {
  for (const named of runs) {
    const clock: Clock = { now: named.startAt ?? START };
    const recorder: Recorder = { current: undefined };
    const budgetModel = named.budget && new BudgetModel(named.budget);
    const breakerModel = named.breaker && new BreakerModel(named.breaker);
    const budget = named.budget && watchBudget(new impl.RetryBudget(named.budget), recorder);
    const breaker =
      named.breaker && watchBreaker(new impl.CircuitBreaker({ ...named.breaker, now: () => clock.now }), recorder);
    for (let failure = 0; failure < (named.breakerFailuresBefore ?? 0); failure++) {
      await settle(() => breaker!.execute(() => Promise.reject(transient('down before the run'))));
      const admission = breakerModel!.admit(clock.now);
      if (admission.admitted) breakerModel!.settle(admission.ticket, false, clock.now);
    }
    const result = await driveRetry(impl, named.plan, { clock, recorder, budget, breaker });
    const run = runRetry(worldOf(named.plan, result, { budget: budgetModel, breaker: breakerModel }));
    const difference = runDifference(result, run, impl, describePlan(named.plan));
    if (difference !== undefined) throw new Error(`${named.name}: ${difference}`);
    if (budget && budgetModel && Math.abs(budget.tokens - budgetModel.tokens) > 1e-9) {
      throw new Error(
        `${named.name}: the budget holds ${budget.tokens} tokens afterwards, expected ${budgetModel.tokens}`,
      );
    }
  }
}

/** Whether `value` is a TypeError or RangeError whose message names one of `names` and mentions `received`. */
function badInputDifference(
  value: unknown,
  names: readonly string[],
  received: string | undefined,
): string | undefined {
  if (!(value instanceof TypeError || value instanceof RangeError)) return `threw ${describe(value)}`;
  const message = value.message;
  if (!names.some((name) => message.includes(name)))
    return `the message "${message}" does not name ${names.join(' or ')}`;
  if (received !== undefined && !message.includes(received)) {
    return `the message "${message}" does not say it received ${received}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The seeds' services, as test doubles
// ---------------------------------------------------------------------------------------------

interface MockPayment extends Kata.PaymentService {
  readonly calls: Kata.ChargeRequest[];
  /** Charges actually made, by idempotency key (a missing key charges every time). */
  readonly charges: Kata.Charge[];
  /** What each call threw or returned, in order. */
  readonly answers: Outcome<unknown>[];
}

type PaymentStep = 'ok' | 'refused' | 'lost' | 'declined' | 'string';

/**
 * A payment service that answers from a script: 'ok', 'refused' (fails before charging), 'lost'
 * (charges, then the response is lost), 'declined' (retryable: false), 'string' (throws a string).
 * A gateway charges each idempotency key at most once and replays the charge for a repeated key.
 */
function scriptedPaymentService(script: readonly PaymentStep[] | (() => PaymentStep)): MockPayment {
  const byKey = new Map<string, Kata.Charge>();
  const calls: Kata.ChargeRequest[] = [];
  const charges: Kata.Charge[] = [];
  const answers: Outcome<unknown>[] = [];
  const next = typeof script === 'function' ? script : () => script[Math.min(calls.length - 1, script.length - 1)]!;
  return {
    calls,
    charges,
    answers,
    async charge(request) {
      calls.push({ ...request });
      const step = next();
      const fail = (error: unknown): never => {
        answers.push({ ok: false, error });
        throw error;
      };
      if (step === 'refused') fail(transient('payment gateway: connection refused'));
      if (step === 'declined')
        fail(Object.assign(new Error('card declined'), { code: 'card_declined', retryable: false }));
      if (step === 'string') fail('payment gateway: 502 Bad Gateway');
      const key = request.idempotencyKey;
      let charge = typeof key === 'string' && key !== '' ? byKey.get(key) : undefined;
      if (!charge) {
        charge = { chargeId: `ch_${charges.length + 1}` };
        charges.push(charge);
        if (typeof key === 'string' && key !== '') byKey.set(key, charge);
      }
      if (step === 'lost') fail(transient('payment gateway: response lost after charging'));
      answers.push({ ok: true, value: charge });
      return charge;
    },
  };
}

/** MockPaymentService({ failureRate }): half the failures before the charge, half after it. */
function mockPaymentService(options: { failureRate: number; random: () => number }): MockPayment {
  return scriptedPaymentService(() => {
    const roll = options.random();
    return roll < options.failureRate / 2 ? 'refused' : roll < options.failureRate ? 'lost' : 'ok';
  });
}

interface MockNotifications extends Kata.NotificationService {
  readonly delivered: Kata.SubscriptionRecord[];
  readonly failures: unknown[];
  attempts: number;
}

/** MockNotificationService({ failureRate }): a failed send delivers nothing. */
function mockNotificationService(options: {
  failureRate: number;
  random: () => number;
  failure?: () => unknown;
}): MockNotifications {
  const service: MockNotifications = {
    delivered: [],
    failures: [],
    attempts: 0,
    async sendSubscriptionConfirmation(subscription) {
      service.attempts++;
      if (options.random() < options.failureRate) {
        const failure = options.failure ? options.failure() : transient('notification service: 503');
        service.failures.push(failure);
        throw failure;
      }
      service.delivered.push({ ...subscription });
    },
  };
  return service;
}

function memoryQueue(): Kata.NotificationQueue & { readonly jobs: Kata.NotificationJob[] } {
  const jobs: Kata.NotificationJob[] = [];
  return {
    jobs,
    enqueue(job) {
      jobs.push(job);
    },
  };
}

/** The failure itself, or an error that has it as its cause (a quick retry's RetryError). */
function carries(failures: readonly unknown[]): (value: unknown) => boolean {
  return (value) => {
    for (let current = value, depth = 0; depth < 5; depth++) {
      if (failures.some((failure) => Object.is(failure, current))) return true;
      if (typeof current !== 'object' || current === null) return false;
      current = (current as { cause?: unknown }).cause;
    }
    return false;
  };
}

const nonEmptyString = (value: unknown): boolean => typeof value === 'string' && value !== '';

/**
 * What one createSubscriptionWithRetry call must have done, given what the services saw and
 * answered: the charge requests in full, one key, the subscription and the confirmation or the job.
 */
function subscriptionDifference(
  impl: Impl,
  outcome: Outcome<unknown>,
  seen: {
    readonly request: { userId: string; productId: string; idempotencyKey?: string };
    readonly payment: MockPayment;
    readonly notifications: MockNotifications;
    readonly queue: ReturnType<typeof memoryQueue>;
    readonly expectCharged: boolean;
  },
): string | undefined {
  const { request, payment, notifications, queue } = seen;
  const keys = new Set(payment.calls.map((call) => call.idempotencyKey));
  const key = payment.calls[0]?.idempotencyKey;
  for (const [index, call] of payment.calls.entries()) {
    const expected = { userId: request.userId, productId: request.productId, idempotencyKey: key };
    for (const field of Object.keys(call)) {
      if (!(field in expected) && (call as unknown as Record<string, unknown>)[field] !== undefined) {
        return `charge call ${index + 1} sent a field ${field} the README does not list`;
      }
    }
    if (call.userId !== request.userId || call.productId !== request.productId) {
      return `charge call ${index + 1} was ${show(call)}, expected userId ${show(request.userId)} and productId ${show(request.productId)}`;
    }
  }
  if (keys.size > 1) return `the payment attempts carried ${keys.size} idempotency keys: ${show([...keys])}`;
  if (request.idempotencyKey !== undefined && key !== undefined && key !== request.idempotencyKey) {
    return `the client's idempotencyKey ${show(request.idempotencyKey)} was not sent; the charge carried ${show(key)}`;
  }
  if (key !== undefined && !nonEmptyString(key)) return `the idempotency key ${show(key)} is not a non-empty string`;
  if (payment.charges.length > 1) return `the customer was charged ${payment.charges.length} times`;

  if (!seen.expectCharged) {
    const last = payment.answers.at(-1);
    const expected = {
      ok: false as const,
      error: {
        name: 'RetryError',
        code: 'ERR_RETRY_FAILED',
        fields: { cause: last && !last.ok ? identicalTo(last.error, "the gateway's last error") : undefined },
      },
    };
    const difference = outcomeDifference(outcome, expected, impl);
    if (difference !== undefined) return `the payment failed for good, and createSubscriptionWithRetry ${difference}`;
    if (notifications.attempts + queue.jobs.length > 0)
      return 'a payment that failed still sent or queued a confirmation';
    return undefined;
  }
  if (!outcome.ok)
    return `the charge went through, but createSubscriptionWithRetry rejected ${describe(outcome.error)}`;
  const charge = payment.charges[0]!;
  const subscription = outcome.value as Record<string, unknown>;
  const delivered = notifications.delivered;
  const jobs = queue.jobs;
  if (delivered.length + jobs.length !== 1) {
    return `${delivered.length} confirmation(s) delivered and ${jobs.length} queued for one subscription, expected exactly one of the two`;
  }
  const difference = outcomeDifference(
    outcome,
    {
      ok: true,
      value: {
        id: identicalTo(delivered[0]?.id ?? jobs[0]?.subscriptionId, 'the id the confirmation or the job carries'),
        userId: request.userId,
        productId: request.productId,
        chargeId: charge.chargeId,
        status: 'active',
        notification: delivered.length === 1 ? 'sent' : 'queued',
      },
    },
    impl,
  );
  if (difference !== undefined) return `createSubscriptionWithRetry ${difference}`;
  if (!nonEmptyString(subscription.id))
    return `the subscription's id ${show(subscription.id)} is not a non-empty string`;
  const record = {
    id: subscription.id,
    userId: request.userId,
    productId: request.productId,
    chargeId: charge.chargeId,
  };
  if (delivered.length === 1) {
    const sent = outcomeDifference({ ok: true, value: delivered[0] }, { ok: true, value: record });
    if (sent !== undefined) return `the confirmation sent: ${sent}`;
  } else {
    const job = outcomeDifference(
      { ok: true, value: jobs[0] },
      {
        ok: true,
        value: {
          subscriptionId: subscription.id,
          userId: request.userId,
          productId: request.productId,
          error: satisfiesCarries(notifications.failures),
        },
      },
    );
    if (job !== undefined) return `the job queued: ${job}`;
  }
  return undefined;
}

function identicalTo(value: unknown, what: string): unknown {
  return satisfies(`${what} (the very value ${show(value, 60)})`, (actual) => Object.is(actual, value));
}

function satisfiesCarries(failures: readonly unknown[]): unknown {
  return satisfies("the notification service's failure (or an error caused by it)", carries(failures));
}

// ---------------------------------------------------------------------------------------------
// The spec
// ---------------------------------------------------------------------------------------------

const RETRY_RULES = [
  'attempt-numbers',
  'first-success-resolves',
  'failures-any-value',
  'retry-defaults',
  'max-attempts-counts-calls',
  'one-sleep-between-attempts',
  'no-sleep-after-last-attempt',
  'uses-injected-time',
  'delay-ceiling',
  'delay-full',
  'delay-equal',
  'delay-decorrelated',
  'delay-cap',
  'default-retryable',
  'should-retry-decides',
  'should-retry-promise',
  'not-retried-gives-up',
  'retry-after-seconds',
  'retry-after-http-date',
  'retry-after-longer-wins',
  'retry-after-ignored',
  'on-retry-before-sleep',
  'abort-before-start',
  'abort-during-sleep',
  'abort-during-call',
  'signal-handed-to-sleep',
  'abort-listener-removed',
  'retry-error-class',
  'error-attempts',
  'error-lists-failures',
  'error-cause-last',
  'gives-up-attempts-exhausted',
] as const;

const BREAKER_RULES = [
  'breaker-opens-at-threshold',
  'breaker-success-resets',
  'breaker-open-refuses',
  'breaker-half-opens-on-time',
  'breaker-half-open-trials',
  'breaker-trial-success-closes',
  'breaker-trial-failure-reopens',
  'breaker-refusal-retry-after',
  'breaker-state',
  'breaker-state-changes',
  'breaker-stale-calls-ignored',
  'breaker-passes-results',
  'breaker-defaults',
] as const;

const BUDGET_RULES = [
  'budget-initial-tokens',
  'budget-earns-ratio',
  'budget-max-tokens',
  'budget-spends-one',
  'budget-refuses-below-one',
] as const;

/** The state changes reported so far against the model's: the first difference, or undefined. */
function changesDifference(
  reported: readonly Kata.CircuitStateChange[],
  model: BreakerModel,
  now: number,
): string | undefined {
  // The open-to-half-open change may be noticed earlier than the model notices it.
  if (reported.length === model.changes.length + 1 && breakerDue(model.state, now)) {
    const extra = reported.at(-1);
    if (extra?.from === 'open' && extra.to === 'half-open') model.read(now);
  }
  const expected = model.changes;
  const describeChanges = (changes: readonly { from: unknown; to: unknown }[]): string =>
    changes.map((change) => `${String(change.from)}→${String(change.to)}`).join(', ') || 'none';
  if (reported.length !== expected.length) {
    return `onStateChange reported ${describeChanges(reported)}, expected ${describeChanges(expected)}`;
  }
  for (const [index, change] of reported.entries()) {
    const want: ExpectedChange = expected[index]!;
    const at = (change as { at?: unknown }).at;
    if (change.from !== want.from || change.to !== want.to) {
      return `state change ${index + 1} was ${String(change.from)}→${String(change.to)}, expected ${want.from}→${want.to}`;
    }
    if (typeof at !== 'number' || at < want.atLow || at > want.atHigh) {
      const range =
        want.atLow === want.atHigh
          ? `t = ${want.atLow - START}`
          : `t in [${want.atLow - START}, ${want.atHigh - START}]`;
      return `state change ${want.from}→${want.to} was reported at ${typeof at === 'number' ? `t = ${at - START}` : show(at)}, expected ${range}`;
    }
  }
  return undefined;
}

export default defineSpec<Impl>('retry-backoff', ({ check }) => {
  // -------------------------------------------------------------------------------------------
  // Model checks
  // -------------------------------------------------------------------------------------------

  check(
    {
      id: 'retry-model',
      title:
        'property: one retry() call does what the README says, step by step, for options from their whole range, every kind of failure, Retry-After in every form, shouldRetry, onRetry and abort',
      item: 'error-recovery',
      weight: 3,
      redFlag: 'no-retry-mechanism',
      timeoutMs: 20_000,
      rules: [...RETRY_RULES],
    },
    async ({ impl, property }) => {
      await property(
        fc.asyncProperty(callPlanArb(), async (plan) => {
          const clock: Clock = { now: START };
          const result = await driveRetry(impl, plan, { clock });
          const difference = runDifference(result, runRetry(worldOf(plan, result)), impl, describePlan(plan));
          if (difference !== undefined) throw new Error(difference);
        }),
        { numRuns: 80 },
      );
    },
  );

  check(
    {
      id: 'budget-model',
      title: 'property: RetryBudget is the README’s token bucket for options from their whole range, call by call',
      item: 'distributed-systems',
      rules: [...BUDGET_RULES],
    },
    async ({ impl, property }) => {
      type Real = { budget: Kata.RetryBudget };
      const compare = (model: BudgetModel, real: Real, after: string): void => {
        const tokens = real.budget.tokens;
        if (typeof tokens !== 'number' || Math.abs(tokens - model.tokens) > 1e-9) {
          throw new Error(`after ${after}, tokens reads ${show(tokens)}, expected ${model.tokens}`);
        }
      };
      const commands = [
        command<BudgetModel, Real, null>({
          args: fc.constant(null),
          describe: () => 'recordCall()',
          run: (model, real) => {
            real.budget.recordCall();
            model.recordCall();
            compare(model, real, 'recordCall()');
          },
        }),
        command<BudgetModel, Real, null>({
          args: fc.constant(null),
          describe: () => 'tryAcquireRetry()',
          run: (model, real) => {
            const before = model.tokens;
            const granted = real.budget.tryAcquireRetry();
            const expected = model.tryAcquireRetry();
            if (granted !== expected) {
              throw new Error(
                `tryAcquireRetry() with ${before} tokens returned ${show(granted)}, expected ${expected}`,
              );
            }
            compare(model, real, 'tryAcquireRetry()');
          },
        }),
      ];
      await property(
        fc.asyncProperty(
          budgetOptionsArb,
          fc.commands([commands[0]!, commands[1]!, commands[1]!], { maxCommands: 40, size: 'medium' }),
          async (options, sequence) => {
            await runCommands(() => {
              const model = new BudgetModel(options);
              const real = { budget: new impl.RetryBudget(options) };
              compare(model, real, `new RetryBudget(${show(options)})`);
              return { model, real, description: `new RetryBudget(${show(options)})` };
            }, sequence);
          },
        ),
        { numRuns: 60 },
      );
    },
  );

  check(
    {
      id: 'breaker-model',
      title:
        'property: CircuitBreaker is the README’s state machine for options from their whole range, with calls held in flight, settled in any order, and the clock moved to every boundary',
      item: 'system-error-handling',
      weight: 3,
      timeoutMs: 20_000,
      rules: [...BREAKER_RULES],
    },
    async ({ impl, property }) => {
      interface Held {
        readonly id: number;
        readonly ticket: import('./model.ts').Ticket | undefined;
        readonly release: (ok: boolean) => void;
        readonly outcome: () => Outcome<unknown> | undefined;
        readonly value: unknown;
        readonly failure: unknown;
      }
      interface Model {
        readonly breaker: BreakerModel;
        readonly held: Held[];
        calls: number;
      }
      interface Real {
        readonly breaker: Kata.CircuitBreaker;
        readonly clock: Clock;
        readonly changes: Kata.CircuitStateChange[];
      }
      const compareChanges = (model: Model, real: Real): void => {
        const difference = changesDifference(real.changes, model.breaker, real.clock.now);
        if (difference !== undefined) throw new Error(difference);
      };
      type Start = { mode: 'hold' | 'ok-sync' | 'ok-async' | 'fail-sync' | 'fail-async' | 'throw-string' };
      const startOne = async (model: Model, real: Real, mode: Start['mode']): Promise<void> => {
        const id = ++model.calls;
        const value = { result: id };
        const failure = mode === 'throw-string' ? `call ${id} failed` : transient(`call ${id} failed`);
        let called = false;
        let release: (ok: boolean) => void = () => {};
        const fn = (): unknown => {
          if (called) throw new Error(`execute called fn a second time for call ${id}`);
          called = true;
          switch (mode) {
            case 'hold':
              return new Promise((resolve, reject) => (release = (ok) => (ok ? resolve(value) : reject(failure))));
            case 'ok-sync':
              return value;
            case 'ok-async':
              return Promise.resolve(value);
            case 'fail-async':
              return Promise.reject(failure);
            default:
              throw failure;
          }
        };
        let outcome: Outcome<unknown> | undefined;
        void settle(() => real.breaker.execute(fn)).then((settled) => (outcome = settled));
        await flush(1);
        const admission = model.breaker.admit(real.clock.now);
        if (!admission.admitted || mode === 'hold') compareChanges(model, real);
        if (!admission.admitted) {
          if (called)
            throw new Error(`call ${id} was let through, expected a refusal (state ${model.breaker.state.state})`);
          if (outcome === undefined) throw new Error(`refused call ${id} had not rejected`);
          if (outcome.ok || !refusalMatches(impl, admission.retryAfterMs)(outcome.error)) {
            throw new Error(
              `refused call ${id} ${outcome.ok ? 'resolved' : `rejected ${describe(outcome.error)} (retryAfterMs ${show((outcome.error as { retryAfterMs?: unknown })?.retryAfterMs)})`}, expected a CircuitOpenError with retryAfterMs ${admission.retryAfterMs}`,
            );
          }
          return;
        }
        if (!called)
          throw new Error(
            `call ${id} was refused ${describe(outcome && !outcome.ok ? outcome.error : undefined)}, expected it to go through (state ${model.breaker.state.state})`,
          );
        if (mode === 'hold') {
          model.held.push({ id, ticket: admission.ticket, release, outcome: () => outcome, value, failure });
          return;
        }
        model.breaker.settle(admission.ticket, mode.startsWith('ok'), real.clock.now);
        const expected = mode.startsWith('ok') ? { ok: true as const, value } : { ok: false as const, error: failure };
        if (
          !outcome ||
          outcome.ok !== expected.ok ||
          !Object.is(outcome.ok ? outcome.value : outcome.error, expected.ok ? expected.value : expected.error)
        ) {
          throw new Error(
            `call ${id} ${outcome ? (outcome.ok ? `resolved ${show(outcome.value)}` : `rejected ${describe(outcome.error)}`) : 'had not settled'}, expected execute to pass on exactly what fn ${expected.ok ? 'returned' : 'threw'}`,
          );
        }
        compareChanges(model, real);
      };
      const start = command<Model, Real, Start & { times: number }>({
        args: fc.record({
          mode: fc.constantFrom(
            'hold',
            'hold',
            'ok-sync',
            'ok-async',
            'fail-sync',
            'fail-sync',
            'fail-async',
            'fail-async',
            'throw-string',
          ),
          times: fc.constantFrom(1, 1, 2, 3),
        }),
        describe: ({ mode, times }) =>
          `${times === 1 ? '' : `${times} × `}execute(fn that ${mode === 'hold' ? 'stays in flight' : mode.replace('-', ' ')})`,
        run: async (model, real, { mode, times }) => {
          for (let call = 0; call < times; call++) await startOne(model, real, mode);
        },
      });
      const finish = command<Model, Real, { index: number; ok: boolean }>({
        args: fc.record({ index: fc.nat(), ok: fc.boolean() }),
        describe: ({ index, ok }) => `the ${index}th held call ${ok ? 'succeeds' : 'fails'}`,
        check: (model) => model.held.length > 0,
        run: async (model, real, { index, ok }) => {
          const [held] = model.held.splice(index % model.held.length, 1);
          held!.release(ok);
          await flush(1);
          model.breaker.settle(held!.ticket!, ok, real.clock.now);
          const outcome = held!.outcome();
          const passed =
            outcome &&
            outcome.ok === ok &&
            Object.is(outcome.ok ? outcome.value : outcome.error, ok ? held!.value : held!.failure);
          if (!passed)
            throw new Error(
              `held call ${held!.id} ${outcome ? (outcome.ok ? 'resolved' : `rejected ${describe(outcome.error)}`) : 'had not settled'}, expected execute to pass on exactly what fn ${ok ? 'resolved with' : 'rejected with'}`,
            );
          compareChanges(model, real);
        },
      });
      const read = command<Model, Real, null>({
        args: fc.constant(null),
        describe: () => 'state',
        run: (model, real) => {
          const state = real.breaker.state;
          const expected = model.breaker.read(real.clock.now);
          if (state !== expected) throw new Error(`state reads ${show(state)}, expected ${show(expected)}`);
          compareChanges(model, real);
        },
      });
      type Advance = { to: 'deadline' | 'deadline-1' | 'deadline+1' } | { by: number };
      const advance = command<Model, Real, Advance>({
        args: fc.oneof(
          fc.record({ to: fc.constantFrom('deadline' as const, 'deadline-1' as const, 'deadline+1' as const) }),
          fc.record({ by: fc.integer({ min: 0, max: 2_000 }) }),
        ),
        describe: (args) =>
          'by' in args
            ? `the clock moves ${args.by} ms`
            : `the clock moves to the reset ${args.to.replace('deadline', 'deadline ')}`,
        run: (model, real, args) => {
          if ('by' in args) {
            real.clock.now += args.by;
            return;
          }
          const { openedAt, resetTimeoutMs, state } = model.breaker.state;
          if (state !== 'open') return;
          const deadline =
            openedAt + resetTimeoutMs + (args.to === 'deadline-1' ? -1 : args.to === 'deadline+1' ? 1 : 0);
          real.clock.now = Math.max(real.clock.now, deadline);
        },
      });
      await property(
        fc.asyncProperty(
          breakerOptionsArb,
          fc.commands([start, start, start, finish, read, read, advance, advance], { maxCommands: 30, size: 'medium' }),
          async (options, sequence) => {
            await runCommands(() => {
              const clock: Clock = { now: START };
              const changes: Kata.CircuitStateChange[] = [];
              const breaker = new impl.CircuitBreaker({
                ...options,
                now: () => clock.now,
                onStateChange: (change) => changes.push(change),
              });
              return {
                model: { breaker: new BreakerModel(options), held: [], calls: 0 },
                real: { breaker, clock, changes },
                description: `new CircuitBreaker(${show(options)})`,
              };
            }, sequence);
          },
        ),
        { numRuns: 60 },
      );
    },
  );

  check(
    {
      id: 'retry-shared-model',
      title:
        'property: retry() calls one after another with a shared budget and breaker (and direct calls to both, the clock moved to the breaker’s boundaries) match the README, tokens and state changes included',
      item: 'distributed-systems',
      weight: 2,
      timeoutMs: 20_000,
      rules: [
        'budget-record-call',
        'budget-acquire-per-retry',
        'budget-refusal-gives-up',
        'breaker-wraps-attempts',
        'breaker-refusal-gives-up',
        'error-attempts',
        'error-cause-last',
      ],
    },
    async ({ impl, property }) => {
      interface Model {
        readonly budget: BudgetModel;
        readonly breaker: BreakerModel;
      }
      interface Real {
        readonly budget: Kata.RetryBudget;
        readonly breaker: Kata.CircuitBreaker;
        readonly clock: Clock;
        readonly recorder: Recorder;
        readonly changes: Kata.CircuitStateChange[];
      }
      const compare = (model: Model, real: Real): void => {
        const tokens = real.budget.tokens;
        if (typeof tokens !== 'number' || Math.abs(tokens - model.budget.tokens) > 1e-9) {
          throw new Error(`the shared budget holds ${show(tokens)} tokens, expected ${model.budget.tokens}`);
        }
        const difference = changesDifference(real.changes, model.breaker, real.clock.now);
        if (difference !== undefined) throw new Error(difference);
      };
      type Call = { plan: CallPlan; budget: boolean; breaker: boolean };
      const call = command<Model, Real, Call>({
        args: fc.record({ plan: callPlanArb({ abort: false }), budget: fc.boolean(), breaker: fc.boolean() }),
        describe: ({ plan, budget, breaker }) =>
          `retry(${describePlan(plan)}${budget ? ', the budget' : ''}${breaker ? ', the breaker' : ''})`,
        run: async (model, real, args) => {
          const result = await driveRetry(impl, args.plan, {
            clock: real.clock,
            recorder: real.recorder,
            budget: args.budget ? real.budget : undefined,
            breaker: args.breaker ? real.breaker : undefined,
          });
          const world = worldOf(args.plan, result, {
            budget: args.budget ? model.budget : undefined,
            breaker: args.breaker ? model.breaker : undefined,
          });
          const difference = runDifference(result, runRetry(world), impl, describePlan(args.plan));
          if (difference !== undefined) throw new Error(difference);
          compare(model, real);
        },
      });
      const execute = command<Model, Real, { ok: boolean }>({
        args: fc.record({ ok: fc.boolean() }),
        describe: ({ ok }) => `breaker.execute(fn that ${ok ? 'succeeds' : 'fails'}) directly`,
        run: async (model, real, { ok }) => {
          let called = false;
          const failure = transient('direct call failed');
          const outcome = await settle(() =>
            real.breaker.execute(() => {
              called = true;
              return ok ? Promise.resolve('direct') : Promise.reject(failure);
            }),
          );
          const admission = model.breaker.admit(real.clock.now);
          if (admission.admitted) {
            model.breaker.settle(admission.ticket, ok, real.clock.now);
            if (!called)
              throw new Error(
                `a direct call was refused ${describe(outcome.ok ? undefined : outcome.error)}, expected it to go through`,
              );
          } else if (called || outcome.ok || !refusalMatches(impl, admission.retryAfterMs)(outcome.error)) {
            throw new Error(
              `a direct call ${called ? 'went through' : `got ${describe(outcome.ok ? undefined : outcome.error)}`}, expected a refusal with retryAfterMs ${admission.retryAfterMs}`,
            );
          }
          compare(model, real);
        },
      });
      const budgetCall = command<Model, Real, { op: 'recordCall' | 'acquire' }>({
        args: fc.record({ op: fc.constantFrom('recordCall' as const, 'acquire' as const) }),
        describe: ({ op }) => `budget.${op === 'acquire' ? 'tryAcquireRetry' : 'recordCall'}() by another caller`,
        run: (model, real, { op }) => {
          real.recorder.current = undefined;
          if (op === 'recordCall') {
            real.budget.recordCall();
            model.budget.recordCall();
          } else {
            const granted = real.budget.tryAcquireRetry();
            const expected = model.budget.tryAcquireRetry();
            if (granted !== expected)
              throw new Error(`tryAcquireRetry() returned ${show(granted)}, expected ${expected}`);
          }
          compare(model, real);
        },
      });
      const read = command<Model, Real, null>({
        args: fc.constant(null),
        describe: () => 'breaker.state',
        run: (model, real) => {
          const state = real.breaker.state;
          const expected = model.breaker.read(real.clock.now);
          if (state !== expected) throw new Error(`breaker.state reads ${show(state)}, expected ${expected}`);
          compare(model, real);
        },
      });
      const advance = command<Model, Real, { to: number }>({
        args: fc.record({ to: fc.constantFrom(-1, 0, 1, 250) }),
        describe: ({ to }) =>
          to === 250
            ? 'the clock moves 250 ms'
            : `the clock moves to the breaker's reset deadline ${to >= 0 ? '+' : ''}${to}`,
        run: (model, real, { to }) => {
          const { state, openedAt, resetTimeoutMs } = model.breaker.state;
          if (to === 250 || state !== 'open') real.clock.now += 250;
          else real.clock.now = Math.max(real.clock.now, openedAt + resetTimeoutMs + to);
        },
      });
      await property(
        fc.asyncProperty(
          budgetOptionsArb,
          breakerOptionsArb,
          fc.commands([call, call, execute, budgetCall, read, advance], { maxCommands: 12 }),
          async (budgetOptions, breakerOptions, sequence) => {
            await runCommands(() => {
              const clock: Clock = { now: START };
              const recorder: Recorder = { current: undefined };
              const changes: Kata.CircuitStateChange[] = [];
              const budget = watchBudget(new impl.RetryBudget(budgetOptions), recorder);
              const breaker = watchBreaker(
                new impl.CircuitBreaker({
                  ...breakerOptions,
                  now: () => clock.now,
                  onStateChange: (change) => changes.push(change),
                }),
                recorder,
              );
              return {
                model: { budget: new BudgetModel(budgetOptions), breaker: new BreakerModel(breakerOptions) },
                real: { budget, breaker, clock, recorder, changes },
                description: `new RetryBudget(${show(budgetOptions)}), new CircuitBreaker(${show(breakerOptions)})`,
              };
            }, sequence);
          },
        ),
        { numRuns: 30 },
      );
    },
  );

  check(
    {
      id: 'breaker-interleavings',
      title:
        'property: concurrent calls and state reads on one CircuitBreaker, started and answered in any order the scheduler picks, give a history the README’s breaker can explain (linearizable), state changes included',
      item: 'race-conditions',
      weight: 2,
      timeoutMs: 20_000,
      rules: [
        'breaker-half-open-trials',
        'breaker-stale-calls-ignored',
        'breaker-state-changes',
        'breaker-trial-success-closes',
        'breaker-trial-failure-reopens',
        'breaker-refusal-retry-after',
      ],
    },
    async ({ impl, property }) => {
      const op = fc.constantFrom<BreakerOp>('ok', 'fail', 'fail', 'read');
      const race = fc
        .record({
          options: breakerOptionsArb.map((options) => ({ ...options, resetTimeoutMs: options.resetTimeoutMs ?? 500 })),
          processes: fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 4 }),
          steps: fc.array(fc.constantFrom(-1, 0, 1, 7), { maxLength: 3 }),
        })
        .map(({ options, processes, steps }) => ({
          options,
          processes,
          advances: steps.map((step) => (step === 7 ? 7 : (options.resetTimeoutMs ?? 500) + step)),
        }));
      await property(
        fc.asyncProperty(fc.scheduler(), race, async (scheduler, drawn) => {
          const problem = await raceBreaker(impl, drawn, scheduler);
          if (problem !== undefined) throw new Error(`${problem}\nscheduler: ${String(scheduler)}`);
        }),
        { numRuns: 60 },
      );
    },
  );

  check(
    {
      id: 'shared-callers-interleavings',
      title:
        'property: several retry() callers sharing one budget and one breaker, each call, answer and sleep scheduled in any order: the budget’s and the breaker’s answers are linearizable against the README, and each caller did what its answers called for',
      item: 'race-conditions',
      weight: 2,
      timeoutMs: 20_000,
      rules: [
        'budget-acquire-per-retry',
        'budget-refusal-gives-up',
        'breaker-refusal-gives-up',
        'breaker-stale-calls-ignored',
      ],
    },
    async ({ impl, property }) => {
      const caller = fc.record({
        plan: callPlanArb({ abort: false }).map((plan) => ({ ...plan, signal: undefined })),
        useBudget: fc.constantFrom(true, true, false),
        useBreaker: fc.constantFrom(true, true, false),
      });
      const race = fc.record({
        budget: budgetOptionsArb,
        breaker: breakerOptionsArb.map((options) => ({ ...options, resetTimeoutMs: options.resetTimeoutMs ?? 200 })),
        callers: fc.array(caller, { minLength: 2, maxLength: 4 }),
        reads: fc.array(fc.constantFrom('tokens' as const, 'state' as const), { maxLength: 3 }),
      });
      await property(
        fc.asyncProperty(fc.scheduler(), race, async (scheduler, drawn) => {
          const problem = await raceSharedCallers(impl, drawn, scheduler);
          if (problem !== undefined) throw new Error(`${problem}\nscheduler: ${String(scheduler)}`);
        }),
        { numRuns: 40 },
      );
    },
  );

  check(
    {
      id: 'subscription-model',
      title:
        'property: createSubscriptionWithRetry against scripted payment and notification services, with retry options from their whole range: one key, at most one charge, the payment retried as its options say, the result, the confirmation or the job in full',
      item: 'idempotency',
      weight: 2,
      redFlag: 'no-idempotency',
      rules: [
        'charge-request',
        'payment-retried-as-given',
        'same-key-every-attempt',
        'client-key-used',
        'key-per-call',
        'payment-failure-rejects',
        'confirmation-sent',
        'failed-confirmation-queued',
        'subscription-result',
      ],
    },
    async ({ impl, property }) => {
      const stepArb = fc.constantFrom<PaymentStep>('ok', 'refused', 'refused', 'lost', 'lost', 'declined', 'string');
      const caseArb = fc.record({
        // maxAttempts is sometimes left out (the key absent): request.retry is used as given, so
        // retry()'s default of 3 applies, not a default of the subscription's own.
        options: fc.record(
          {
            maxAttempts: fc.integer({ min: 1, max: 5 }),
            baseDelayMs: fc.integer({ min: 0, max: 500 }),
            jitter: fc.constantFrom<Kata.Jitter>('none', 'full', 'equal', 'decorrelated'),
          },
          { requiredKeys: ['baseDelayMs', 'jitter'] },
        ),
        script: fc.array(stepArb, { minLength: 5, maxLength: 5 }),
        notification: fc.constantFrom('sent', 'fails', 'fails-with-string', 'flaky'),
        clientKey: fc.option(fc.constantFrom('order-42', 'k', 'Order_2026-01-01.7'), { nil: undefined }),
        draw: unit,
      });
      let previousKey: string | undefined;
      await property(
        fc.asyncProperty(caseArb, async (drawn) => {
          const payment = scriptedPaymentService(drawn.script);
          let notificationCalls = 0;
          const notifications = mockNotificationService({
            failureRate: 1,
            random: () => {
              notificationCalls++;
              if (drawn.notification === 'sent') return 1;
              if (drawn.notification === 'flaky') return notificationCalls === 1 ? 0 : 1;
              return 0;
            },
            failure: drawn.notification === 'fails-with-string' ? () => 'mail provider down' : undefined,
          });
          const queue = memoryQueue();
          const time = instantTime();
          const sleepsDuringPayment: number[] = [];
          let charged = false;
          const request = {
            userId: 'user1',
            productId: 'product1',
            ...(drawn.clientKey === undefined ? {} : { idempotencyKey: drawn.clientKey }),
          };
          const outcome = await settle(() =>
            impl.createSubscriptionWithRetry({
              ...request,
              paymentService: {
                charge: async (chargeRequest) => {
                  const answer = await payment.charge(chargeRequest).then(
                    (value) => ({ ok: true as const, value }),
                    (error: unknown) => ({ ok: false as const, error }),
                  );
                  if (answer.ok) charged = true;
                  if (!answer.ok) throw answer.error;
                  return answer.value;
                },
              },
              notificationService: notifications,
              notificationQueue: queue,
              retry: {
                ...drawn.options,
                now: time.now,
                random: () => drawn.draw,
                sleep: async (ms) => {
                  if (!charged) sleepsDuringPayment.push(ms);
                  await time.sleep(ms);
                },
              },
            }),
          );
          // The payment as retry() must have run it: fn is the charge, each answer as scripted.
          const maxAttempts = drawn.options.maxAttempts ?? RETRY_DEFAULTS.maxAttempts;
          const firstOk = drawn.script.findIndex((step, index) => index < maxAttempts && step === 'ok');
          const firstStop = drawn.script.findIndex(
            (step, index) => index < maxAttempts && (step === 'ok' || step === 'declined'),
          );
          const expectedCalls = firstStop === -1 ? maxAttempts : firstStop + 1;
          const expectCharged = firstOk !== -1 && firstOk === firstStop;
          if (payment.calls.length !== expectedCalls) {
            throw new Error(
              `the payment was called ${payment.calls.length} time(s) for the script ${drawn.script.join(', ')} with maxAttempts ${drawn.options.maxAttempts ?? 'left out'}, expected ${expectedCalls}`,
            );
          }
          const schedule = scheduleOf(drawn.options);
          for (const [index, ms] of sleepsDuringPayment.entries()) {
            const ceiling = ceilingAfter(schedule, index + 1);
            if (drawn.options.jitter === 'none' && Math.abs(ms - ceiling) > TOLERANCE_MS) {
              throw new Error(
                `the payment's retry slept ${fmt(ms)} ms after attempt ${index + 1}, expected ${fmt(ceiling)} ms (jitter 'none')`,
              );
            }
          }
          if (sleepsDuringPayment.length !== expectedCalls - 1) {
            throw new Error(
              `the payment's retry slept ${sleepsDuringPayment.length} time(s) for ${expectedCalls} attempts`,
            );
          }
          const difference = subscriptionDifference(impl, outcome, {
            request,
            payment,
            notifications,
            queue,
            expectCharged,
          });
          if (difference !== undefined)
            throw new Error(`${difference} (script ${drawn.script.join(', ')}, notification ${drawn.notification})`);
          const key = payment.calls[0]?.idempotencyKey;
          if (drawn.clientKey === undefined && key !== undefined) {
            if (key === previousKey)
              throw new Error(`two calls without a client key both sent the idempotency key ${show(key)}`);
            previousKey = key;
          }
        }),
        { numRuns: 60 },
      );
    },
  );

  // -------------------------------------------------------------------------------------------
  // Named scenarios: retry()
  // -------------------------------------------------------------------------------------------

  check(
    {
      id: 'retries-until-success',
      title: 'a failing call is retried until it succeeds, and its value is returned',
      item: 'error-recovery',
      weight: 2,
      redFlag: 'no-retry-mechanism',
      rules: ['attempt-numbers', 'first-success-resolves', 'one-sleep-between-attempts', 'on-retry-before-sleep'],
    },
    async ({ impl }) => {
      const time = instantTime();
      const errors = [transient('first failure'), transient('second failure')];
      const attemptsSeen: unknown[] = [];
      const events: Kata.RetryEvent[] = [];
      const value = await impl.retry(
        async (attempt) => {
          attemptsSeen.push(attempt);
          const error = errors[attemptsSeen.length - 1];
          if (error) throw error;
          return 'charged';
        },
        {
          maxAttempts: 5,
          baseDelayMs: 100,
          jitter: 'none',
          now: time.now,
          sleep: time.sleep,
          onRetry: (event) => events.push(event),
        },
      );
      expect(value, 'retry() should resolve with what the successful attempt returned').toBe('charged');
      expect(attemptsSeen, 'fn receives the attempt number, counted from 1').toEqual([1, 2, 3]);
      expect(time.sleeps.length, `retry() slept ${time.sleeps.length} time(s) for 2 failures`).toBe(2);
      expect(
        events.map((event) => event.attempt),
        'onRetry is called once per failed attempt that is retried',
      ).toEqual([1, 2]);
      expect(events[0]?.error, 'onRetry receives the error of the attempt that failed').toBe(errors[0]);
      expect(
        events.map((event) => event.delayMs),
        'onRetry reports the delay retry() then sleeps',
      ).toEqual(time.sleeps);

      const syncTime = instantTime();
      const first = await impl.retry(() => 42, { now: syncTime.now, sleep: syncTime.sleep });
      expect(first, 'a function returning a plain value on the first attempt').toBe(42);
      expect(syncTime.sleeps, 'no sleep when the first attempt succeeds').toEqual([]);

      // The same, through the model: values and promises, after sync throws and rejections.
      await expectRuns(impl, [
        {
          name: 'two sync throws, then a promise of an object',
          plan: planOf({ maxAttempts: 4, jitter: 'none' }, [fails(), fails(), succeeds()]),
        },
        {
          name: 'a rejection, then a plain undefined',
          plan: planOf({ maxAttempts: 3 }, [fails({ async: true }), succeeds({ async: false, shape: 'undefined' })]),
        },
        { name: 'a promise of null at once', plan: planOf({}, [succeeds({ shape: 'null' })]) },
        {
          name: 'a 0 ms delay still sleeps once',
          plan: planOf({ baseDelayMs: 0, maxDelayMs: 0 }, [fails(), succeeds({ shape: 'number' })]),
        },
      ]);
    },
  );

  check(
    {
      id: 'non-error-failures',
      title: 'strings, undefined, null, numbers and plain objects thrown or rejected are failures like any other',
      item: 'code-error-handling',
      rules: ['failures-any-value', 'error-lists-failures', 'error-cause-last', 'default-retryable'],
    },
    async ({ impl }) => {
      const runs: NamedRun[] = [];
      for (const shape of ['string', 'undefined', 'null', 'number', 'object'] as const) {
        for (const async of [false, true]) {
          runs.push({
            name: `fn ${async ? 'rejects' : 'throws'} a ${shape} three times`,
            plan: planOf({ maxAttempts: 3, jitter: 'none', baseDelayMs: 10 }, [fails({ shape, async })], {
              onRetry: true,
            }),
          });
        }
      }
      runs.push(
        {
          name: 'a plain object marked retryable: false',
          plan: planOf({ maxAttempts: 4 }, [fails({ shape: 'object', retryable: false })]),
        },
        {
          name: 'a plain object marked retryable: 0',
          plan: planOf({ maxAttempts: 2 }, [fails({ shape: 'object', retryable: 0 })]),
        },
        { name: 'an Error marked retryable: null', plan: planOf({ maxAttempts: 2 }, [fails({ retryable: null })]) },
        {
          name: 'a string, then undefined, then a success',
          plan: planOf({ maxAttempts: 3 }, [
            fails({ shape: 'string' }),
            fails({ shape: 'undefined', async: true }),
            succeeds(),
          ]),
        },
      );
      await expectRuns(impl, runs);
    },
  );

  check(
    {
      id: 'max-attempts-counts-calls',
      title: 'maxAttempts counts calls of fn, the first included (not retries); the default is 3',
      item: 'api-design',
      rules: ['max-attempts-counts-calls', 'retry-defaults'],
    },
    async ({ impl }) => {
      for (const maxAttempts of [1, 3, 6, undefined]) {
        const time = instantTime();
        let calls = 0;
        await thrownBy(() =>
          impl.retry(
            () => {
              calls++;
              throw transient('down');
            },
            { maxAttempts, baseDelayMs: 10, jitter: 'none', now: time.now, sleep: time.sleep },
          ),
        );
        const expected = maxAttempts ?? 3;
        expect(calls, `maxAttempts: ${maxAttempts ?? 'default (3)'} called fn ${calls} time(s)`).toBe(expected);
        expect(
          time.sleeps.length,
          `maxAttempts: ${maxAttempts ?? 'default (3)'} slept ${time.sleeps.length} time(s)`,
        ).toBe(expected - 1);
      }
    },
  );

  check(
    {
      id: 'gives-up-with-every-cause',
      title: 'giving up rejects with a RetryError that carries every attempt’s error',
      item: 'system-error-handling',
      weight: 2,
      redFlag: 'no-error-handling',
      rules: [
        'retry-error-class',
        'gives-up-attempts-exhausted',
        'error-attempts',
        'error-lists-failures',
        'error-cause-last',
      ],
    },
    async ({ impl }) => {
      const time = instantTime();
      const failures = [1, 2, 3, 4].map((n) => transient(`failure ${n}`));
      let calls = 0;
      const thrown = await thrownBy(() =>
        impl.retry(
          () => {
            throw failures[calls++];
          },
          { maxAttempts: 4, baseDelayMs: 10, now: time.now, sleep: time.sleep, random: () => 0.5 },
        ),
      );
      expect(codeOf(thrown), `after 4 failures retry() rejected with ${describe(thrown)}`).toBe('ERR_RETRY_FAILED');
      expect(thrown instanceof impl.RetryError, 'the error is an instance of the module’s RetryError').toBe(true);
      const error = thrown as Kata.RetryError;
      expect(error.name, 'the error is named RetryError').toBe('RetryError');
      expect(error.reason, 'reason').toBe('attempts-exhausted');
      expect(error.attempts, 'attempts').toBe(4);
      expect(error.errors, 'errors holds the 4 attempts’ errors, in order').toEqual(failures);
      expect(
        error.errors.every((cause, index) => cause === failures[index]),
        'errors holds the very error objects fn threw',
      ).toBe(true);
      expect(error.cause, 'cause is the last attempt’s error').toBe(failures[3]);
      await expectRuns(impl, [
        {
          name: 'five failures of five kinds',
          plan: planOf({ maxAttempts: 5 }, [
            fails(),
            fails({ shape: 'string' }),
            fails({ shape: 'object', async: true }),
            fails({ shape: 'number' }),
            fails({ shape: 'null' }),
          ]),
        },
        { name: 'one attempt only', plan: planOf({ maxAttempts: 1 }, [fails({ async: true })]) },
      ]);
    },
  );

  check(
    {
      id: 'no-sleep-after-last-attempt',
      title: 'after the last attempt fails, retry() rejects at once instead of sleeping again',
      item: 'system-error-handling',
      rules: ['no-sleep-after-last-attempt'],
    },
    async ({ impl }) => {
      const clock = createManualClock();
      let calls = 0;
      const call = track(
        impl.retry(
          () => {
            calls++;
            throw transient('down');
          },
          { maxAttempts: 3, baseDelayMs: 1000, jitter: 'none', now: clock.now, sleep: clock.sleep },
        ),
      );
      call.promise.catch(() => {});
      await flush();
      await clock.advance(1000);
      await clock.advance(2000);
      await flush();
      expect(calls, 'fn calls after 3 s of clock time').toBe(3);
      const extra = clock.sleeps.slice(2);
      expect(
        call.state(),
        extra.length > 0
          ? `after the 3rd and last attempt failed, retry() slept again (${extra.map(fmt).join(', ')} ms) instead of rejecting`
          : 'after the 3rd and last attempt failed, retry() had not rejected',
      ).toBe('rejected');
      expect(clock.sleeps.length, `retry() asked for ${clock.sleeps.length} sleeps for 3 attempts`).toBe(2);

      const single = instantTime();
      await thrownBy(() =>
        impl.retry(
          () => {
            throw transient('down');
          },
          { maxAttempts: 1, now: single.now, sleep: single.sleep },
        ),
      );
      expect(single.sleeps, 'maxAttempts: 1 never sleeps').toEqual([]);
    },
  );

  check(
    {
      id: 'exponential-delays',
      title: "property: jitter 'none' sleeps min(maxDelayMs, baseDelayMs × factor^(n−1)) before attempt n+1",
      item: 'error-recovery',
      weight: 2,
      redFlag: 'hardcoded-values',
      rules: ['delay-ceiling'],
    },
    async ({ impl, property }) => {
      await property(
        fc.asyncProperty(schedule, async ({ base, factor, extra, attempts }) => {
          const cap = base + extra;
          const delays = await delaysOf(impl, attempts, {
            baseDelayMs: base,
            factor,
            maxDelayMs: cap,
            jitter: 'none',
          });
          expect(delays.length, `${attempts} attempts slept ${delays.length} times`).toBe(attempts - 1);
          delays.forEach((delay, index) => {
            const expected = ceilingOf(index + 1, base, factor, cap);
            expect(
              Math.abs(delay - expected) <= TOLERANCE_MS,
              `delay ${index + 1} was ${fmt(delay)} ms, expected min(${cap}, ${base} × ${fmt(factor)}^${index}) = ${fmt(expected)} ms`,
            ).toBe(true);
          });
        }),
        { numRuns: 60 },
      );
    },
  );

  check(
    {
      id: 'full-jitter-formula',
      title: "property: jitter 'full' sleeps random × ceiling, always within [0, ceiling]",
      item: 'distributed-systems',
      weight: 2,
      redFlag: 'hardcoded-values',
      rules: ['delay-full', 'uses-injected-time'],
    },
    async ({ impl, property }) => {
      await property(
        fc.asyncProperty(schedule, unit, async ({ base, factor, extra, attempts }, r) => {
          const cap = base + extra;
          const options = { baseDelayMs: base, factor, maxDelayMs: cap, jitter: 'full' as const };
          const delays = await delaysOf(impl, attempts, { ...options, random: () => r });
          delays.forEach((delay, index) => {
            const ceiling = ceilingOf(index + 1, base, factor, cap);
            expect(
              Math.abs(delay - r * ceiling) <= TOLERANCE_MS,
              `with random() = ${r}, delay ${index + 1} was ${fmt(delay)} ms, expected ${r} × ${fmt(ceiling)} = ${fmt(r * ceiling)} ms`,
            ).toBe(true);
          });
        }),
        { numRuns: 60 },
      );
      await property(
        fc.asyncProperty(
          schedule,
          fc.array(unit, { minLength: 1, maxLength: 8 }),
          async ({ base, factor, extra, attempts }, values) => {
            const cap = base + extra;
            const options = { baseDelayMs: base, factor, maxDelayMs: cap, jitter: 'full' as const };
            const delays = await delaysOf(impl, attempts, { ...options, random: cycling(values) });
            delays.forEach((delay, index) => {
              const ceiling = ceilingOf(index + 1, base, factor, cap);
              const expected = values[index % values.length]! * ceiling;
              expect(
                Math.abs(delay - expected) <= TOLERANCE_MS,
                `delay ${index + 1} was ${fmt(delay)} ms, expected the ${index + 1}th draw × ${fmt(ceiling)} = ${fmt(expected)} ms`,
              ).toBe(true);
            });
          },
        ),
        { numRuns: 40 },
      );
    },
  );

  check(
    {
      id: 'equal-jitter-formula',
      title: "property: jitter 'equal' sleeps ceiling/2 + random × ceiling/2, always within [ceiling/2, ceiling]",
      item: 'distributed-systems',
      redFlag: 'hardcoded-values',
      rules: ['delay-equal', 'uses-injected-time'],
    },
    async ({ impl, property }) => {
      await property(
        fc.asyncProperty(
          schedule,
          fc.array(unit, { minLength: 1, maxLength: 8 }),
          async ({ base, factor, extra, attempts }, values) => {
            const cap = base + extra;
            const options = { baseDelayMs: base, factor, maxDelayMs: cap, jitter: 'equal' as const };
            const delays = await delaysOf(impl, attempts, { ...options, random: cycling(values) });
            delays.forEach((delay, index) => {
              const ceiling = ceilingOf(index + 1, base, factor, cap);
              const r = values[index % values.length]!;
              const expected = ceiling / 2 + (r * ceiling) / 2;
              expect(
                Math.abs(delay - expected) <= TOLERANCE_MS,
                `with random() = ${r}, delay ${index + 1} was ${fmt(delay)} ms, expected ${fmt(ceiling / 2)} + ${r} × ${fmt(ceiling / 2)} = ${fmt(expected)} ms`,
              ).toBe(true);
            });
          },
        ),
        { numRuns: 60 },
      );
    },
  );

  check(
    {
      id: 'decorrelated-jitter-formula',
      title:
        "property: jitter 'decorrelated' sleeps min(cap, base + random × (3 × previous − base)), starting from base",
      item: 'distributed-systems',
      redFlag: 'hardcoded-values',
      rules: ['delay-decorrelated', 'uses-injected-time'],
    },
    async ({ impl, property }) => {
      await property(
        fc.asyncProperty(
          schedule,
          fc.array(unit, { minLength: 1, maxLength: 8 }),
          async ({ base, factor, extra, attempts }, values) => {
            const cap = base + extra;
            const options = { baseDelayMs: base, factor, maxDelayMs: cap, jitter: 'decorrelated' as const };
            const delays = await delaysOf(impl, attempts, { ...options, random: cycling(values) });
            let previous = base;
            delays.forEach((delay, index) => {
              const r = values[index % values.length]!;
              const expected = Math.min(cap, base + r * (3 * previous - base));
              // The implementation may have rounded its previous delay: allow for it.
              expect(
                Math.abs(delay - expected) <= TOLERANCE_MS + 3 * r,
                `with random() = ${r}, delay ${index + 1} was ${fmt(delay)} ms, expected min(${cap}, ${base} + ${r} × (3 × ${fmt(previous)} − ${base})) = ${fmt(expected)} ms`,
              ).toBe(true);
              previous = delay;
            });
          },
        ),
        { numRuns: 60 },
      );
    },
  );

  check(
    {
      id: 'delays-never-exceed-cap',
      title: 'property: no delay of any jitter mode exceeds maxDelayMs or turns NaN, even after hundreds of attempts',
      item: 'error-recovery',
      weight: 2,
      redFlag: 'hardcoded-values',
      rules: ['delay-cap', 'delay-finite'],
    },
    async ({ impl, property }) => {
      await property(
        fc.asyncProperty(
          fc.constantFrom<Kata.Jitter>('none', 'full', 'equal', 'decorrelated'),
          fc.integer({ min: 1, max: 2_000 }),
          fc.double({ min: 1.5, max: 10, noNaN: true }),
          fc.integer({ min: 0, max: 30_000 }),
          fc.integer({ min: 10, max: 40 }),
          fc.array(unit, { minLength: 1, maxLength: 8 }),
          async (jitter, base, factor, extra, attempts, values) => {
            const cap = base + extra;
            const delays = await delaysOf(impl, attempts, {
              baseDelayMs: base,
              factor,
              maxDelayMs: cap,
              jitter,
              random: cycling(values),
            });
            delays.forEach((delay, index) => {
              expect(
                Number.isFinite(delay) && delay >= 0 && delay <= cap,
                `jitter '${jitter}': delay ${index + 1} was ${fmt(delay)} ms, above the ${cap} ms cap`,
              ).toBe(true);
            });
          },
        ),
        { numRuns: 40 },
      );
      // A worker that retries for days: base × 10^399 is Infinity, and Infinity × 0 is NaN.
      for (const jitter of ['none', 'full', 'equal', 'decorrelated'] as const) {
        const delays = await delaysOf(impl, 400, {
          baseDelayMs: 100,
          factor: 10,
          maxDelayMs: 60_000,
          jitter,
          random: cycling([0, 0.5, 0.999]),
        });
        const bad = delays.findIndex((delay) => !(Number.isFinite(delay) && delay >= 0 && delay <= 60_000));
        expect(
          bad,
          bad === -1 ? '' : `jitter '${jitter}': delay ${bad + 1} of 399 was ${delays[bad]} ms, not within [0, 60000]`,
        ).toBe(-1);
      }
      // A base of 0 stays 0, even when factor^(n − 1) has overflowed (0 × Infinity is NaN).
      const zeros = await delaysOf(impl, 400, {
        baseDelayMs: 0,
        maxDelayMs: 0,
        factor: 10,
        jitter: 'full',
        random: cycling([0.5]),
      });
      expect(
        zeros.every((delay) => delay === 0),
        `baseDelayMs 0, factor 10: a delay of 400 attempts was ${show(zeros.find((delay) => delay !== 0))}, expected 0`,
      ).toBe(true);
      // The default factor of 2 over 100 attempts: 2^99 overflows every integer type but a double's.
      for (const jitter of ['none', 'full', 'equal'] as const) {
        const delays = await delaysOf(impl, 100, {
          baseDelayMs: 100,
          maxDelayMs: 30_000,
          jitter,
          random: cycling([0.25, 0.75]),
        });
        const bad = delays.findIndex((delay) => !(Number.isFinite(delay) && delay >= 0 && delay <= 30_000));
        expect(
          bad,
          bad === -1
            ? ''
            : `jitter '${jitter}', factor 2: delay ${bad + 1} of 99 was ${delays[bad]} ms, not within [0, 30000]`,
        ).toBe(-1);
      }
      // Retry-After is capped too.
      await expectRuns(impl, [
        {
          name: 'a Retry-After of an hour under a 2 s cap',
          plan: planOf({ maxAttempts: 2, maxDelayMs: 2_000 }, [
            fails({ hint: { kind: 'seconds', seconds: 3_600 } }),
            succeeds(),
          ]),
        },
        {
          name: 'a far HTTP date under a 2 s cap',
          plan: planOf({ maxAttempts: 2, maxDelayMs: 2_000, jitter: 'decorrelated' }, [
            fails({ hint: { kind: 'date', form: 'imf', offsetSeconds: 90 } }),
            succeeds(),
          ]),
        },
      ]);
    },
  );

  check(
    {
      id: 'retry-defaults',
      title:
        'options left out (or undefined) take the README’s defaults: 3 attempts, 100 ms, a 20 s cap, factor 2, full jitter, Date.now, a timer, Math.random',
      item: 'api-design',
      rules: ['retry-defaults'],
    },
    async ({ impl }) => {
      await expectRuns(impl, [
        {
          name: 'every schedule option undefined',
          plan: planOf(
            {
              maxAttempts: undefined,
              baseDelayMs: undefined,
              maxDelayMs: undefined,
              factor: undefined,
              jitter: undefined,
            },
            [fails()],
          ),
        },
        {
          name: 'no options but the injected ones',
          plan: planOf({}, [fails(), fails(), succeeds()], { draws: [0.999, 0.999] }),
        },
        {
          name: 'the default cap of 20 s',
          plan: planOf({ baseDelayMs: 10_000, factor: 4, jitter: 'none', maxAttempts: 4 }, [fails()]),
        },
        {
          name: 'the default factor of 2',
          plan: planOf({ baseDelayMs: 30, jitter: 'none', maxAttempts: 5 }, [fails()]),
        },
      ]);

      // Without sleep, now and random: a real timer, Date.now and Math.random (a few ms of real time).
      let calls = 0;
      const value = await impl.retry(
        () => {
          if (++calls < 3) throw transient('blip');
          return 'done';
        },
        { baseDelayMs: 1, maxDelayMs: 2 },
      );
      expect(value, 'retry() with the default sleep and random resolved').toBe('done');
      expect(calls, 'fn calls with the default sleep').toBe(3);
      const startedAt = performance.now();
      await thrownBy(() =>
        impl.retry(
          () => {
            throw transient('down');
          },
          { maxAttempts: 3, baseDelayMs: 20, jitter: 'none' },
        ),
      );
      const elapsed = performance.now() - startedAt;
      expect(
        elapsed >= 55 && elapsed < 5_000,
        `the default sleep waited ${fmt(elapsed)} ms in all for delays of 20 and 40 ms: it is not a timer of that length`,
      ).toBe(true);

      const sleeps: number[] = [];
      const hinted = Date.now() + 10_000;
      await thrownBy(() =>
        impl.retry(
          () => {
            throw transient('429', { retryAfter: new Date(hinted).toUTCString() });
          },
          { maxAttempts: 2, baseDelayMs: 1, jitter: 'none', sleep: async (ms) => void sleeps.push(ms) },
        ),
      );
      const slept = sleeps[0] ?? Number.NaN;
      expect(
        slept >= 8_000 && slept <= 10_001,
        `an HTTP date 10 s after Date.now(), with now left out: retry() slept ${fmt(slept)} ms, expected about 9000–10000 (measured from Date.now)`,
      ).toBe(true);

      const fullSleeps: number[] = [];
      await thrownBy(() =>
        impl.retry(
          () => {
            throw transient('down');
          },
          { maxAttempts: 6, baseDelayMs: 1_000, sleep: async (ms) => void fullSleeps.push(ms) },
        ),
      );
      fullSleeps.forEach((ms, index) => {
        const ceiling = Math.min(20_000, 1_000 * 2 ** index);
        expect(
          ms >= 0 && ms <= ceiling,
          `with Math.random, full-jitter delay ${index + 1} was ${fmt(ms)} ms, outside [0, ${ceiling}]`,
        ).toBe(true);
      });
      expect(
        new Set(fullSleeps).size > 1,
        `with Math.random, five full-jitter delays were all ${fmt(fullSleeps[0] ?? 0)} ms`,
      ).toBe(true);
    },
  );

  check(
    {
      id: 'non-retryable-stops-at-once',
      title:
        'an error shouldRetry rejects (or marked retryable: false) is not retried; shouldRetry alone decides and may answer with a promise',
      item: 'system-error-handling',
      weight: 2,
      redFlag: 'no-error-handling',
      rules: ['default-retryable', 'should-retry-decides', 'should-retry-promise', 'not-retried-gives-up'],
    },
    async ({ impl }) => {
      const time = instantTime();
      const invalid = Object.assign(new Error('card number is invalid'), { code: 'E_VALIDATION' });
      const seen: [unknown, unknown][] = [];
      let calls = 0;
      const thrown = await thrownBy(() =>
        impl.retry(
          () => {
            calls++;
            throw invalid;
          },
          {
            maxAttempts: 5,
            now: time.now,
            sleep: time.sleep,
            shouldRetry: (error, attempt) => {
              seen.push([error, attempt]);
              return codeOf(error) !== 'E_VALIDATION';
            },
          },
        ),
      );
      expect(calls, `a non-retryable error was tried ${calls} times`).toBe(1);
      expect(time.sleeps, 'no sleep before giving up on a non-retryable error').toEqual([]);
      expect(seen[0], 'shouldRetry receives the error and the attempt number').toEqual([invalid, 1]);
      expect(codeOf(thrown), `rejected with ${describe(thrown)}`).toBe('ERR_RETRY_FAILED');
      expect((thrown as Kata.RetryError).reason, 'reason').toBe('not-retryable');
      expect((thrown as Kata.RetryError).cause, 'cause is the non-retryable error').toBe(invalid);

      let flagged = 0;
      const declined = Object.assign(new Error('card declined'), { code: 'card_declined', retryable: false });
      const byDefault = await thrownBy(() =>
        impl.retry(
          () => {
            flagged++;
            throw declined;
          },
          { maxAttempts: 5, now: time.now, sleep: time.sleep },
        ),
      );
      expect(flagged, `an error with retryable: false was tried ${flagged} times by default`).toBe(1);
      expect((byDefault as Kata.RetryError).reason, 'reason for retryable: false').toBe('not-retryable');

      const answers = (...values: boolean[]) => ({ answers: values, async: values.map(() => false) });
      const promised = (...values: boolean[]) => ({ answers: values, async: values.map(() => true) });
      await expectRuns(impl, [
        {
          name: 'shouldRetry answers false with a promise',
          plan: planOf({ maxAttempts: 5 }, [fails()], { shouldRetry: promised(true, false) }),
        },
        {
          name: 'shouldRetry answers true with a promise',
          plan: planOf({ maxAttempts: 3 }, [fails(), succeeds()], { shouldRetry: promised(true, true) }),
        },
        {
          name: 'shouldRetry retries an error marked retryable: false',
          plan: planOf({ maxAttempts: 3 }, [fails({ retryable: false })], { shouldRetry: answers(true, true, true) }),
        },
        {
          name: 'shouldRetry refuses an ordinary error',
          plan: planOf({ maxAttempts: 4 }, [fails({ shape: 'string' })], { shouldRetry: answers(true, true, false) }),
        },
        {
          name: 'retryable: false after two retryable failures',
          plan: planOf({ maxAttempts: 6 }, [fails(), fails({ shape: 'object' }), fails({ retryable: false })]),
        },
        {
          name: 'retryable: true, 0 and null are retried',
          plan: planOf({ maxAttempts: 4 }, [
            fails({ retryable: true }),
            fails({ retryable: 0 }),
            fails({ retryable: null }),
            succeeds(),
          ]),
        },
      ]);
    },
  );

  check(
    {
      id: 'honours-retry-after',
      title:
        'a Retry-After hint in every form (seconds, digits, HTTP dates) sets a floor under the delay of every jitter mode, clamped to the cap, and never feeds the next delay; past dates and garbage are ignored',
      item: 'distributed-systems',
      weight: 2,
      rules: [
        'retry-after-seconds',
        'retry-after-http-date',
        'retry-after-longer-wins',
        'retry-after-ignored',
        'delay-cap',
        'delay-decorrelated',
      ],
    },
    async ({ impl }) => {
      const hints: [string, AttemptPlan['hint']][] = [
        ['retryAfter: 5', { kind: 'seconds', seconds: 5 }],
        ['retryAfter: 0', { kind: 'seconds', seconds: 0 }],
        // A number of seconds need not be whole: 2.5 is 2500 ms (only a string must be digits).
        ['retryAfter: 2.5', { kind: 'seconds', seconds: 2.5 }],
        ['retryAfter: 1.25', { kind: 'seconds', seconds: 1.25 }],
        ["retryAfter: '7'", { kind: 'digits', text: '7' }],
        ["retryAfter: '007'", { kind: 'digits', text: '007' }],
        ["retryAfter: '99999999999'", { kind: 'digits', text: '99999999999' }],
        ['an IMF-fixdate 9 s ahead', { kind: 'date', form: 'imf', offsetSeconds: 9 }],
        ['an RFC 850 date 6 s ahead', { kind: 'date', form: 'rfc850', offsetSeconds: 6 }],
        ['an asctime date 4 s ahead', { kind: 'date', form: 'asctime', offsetSeconds: 4 }],
        ['an IMF-fixdate 30 s in the past', { kind: 'date', form: 'imf', offsetSeconds: -30 }],
        ['an IMF-fixdate of now', { kind: 'date', form: 'imf', offsetSeconds: 0 }],
        ...GARBAGE_HINTS.map((value): [string, AttemptPlan['hint']] => [
          `retryAfter: ${typeof value === 'string' ? `'${value}'` : show(value)}`,
          { kind: 'garbage', value },
        ]),
      ];
      const runs: NamedRun[] = [];
      for (const jitter of ['none', 'full', 'equal', 'decorrelated'] as const) {
        // The hint raises one delay; it never feeds the next one (decorrelated jitter's previous).
        runs.push({
          name: `jitter '${jitter}', a 5 s hint on attempt 1 and none on attempt 2`,
          plan: planOf({ maxAttempts: 4, baseDelayMs: 400, maxDelayMs: 30_000, jitter }, [
            fails({ hint: { kind: 'seconds', seconds: 5 } }),
            fails(),
            fails(),
            succeeds(),
          ]),
        });
        // Every month, at the last seconds of a day: a date 9 s ahead is 23:59:59.
        if (jitter === 'full') {
          for (let month = 0; month < 12; month++) {
            for (const form of ['imf', 'rfc850', 'asctime'] as const) {
              runs.push({
                name: `a ${form} date 9 s ahead, at 23:59:59 on the 14th of month ${month + 1} of 2027`,
                plan: planOf({ maxAttempts: 2, baseDelayMs: 400, maxDelayMs: 10_000, jitter }, [
                  fails({ hint: { kind: 'date', form, offsetSeconds: 9 } }),
                  succeeds(),
                ]),
                startAt: Date.UTC(2027, month, 14, 23, 59, 50),
              });
            }
          }
        }
        for (const [what, hint] of hints) {
          for (const shape of ['error', 'object'] as const) {
            if (shape === 'object' && jitter !== 'full') continue;
            runs.push({
              name: `jitter '${jitter}', ${what} on ${shape === 'error' ? 'an Error' : 'a plain object'}`,
              plan: planOf({ maxAttempts: 3, baseDelayMs: 400, maxDelayMs: 10_000, jitter }, [
                fails({ shape, hint }),
                fails({ shape, hint, async: true }),
                succeeds(),
              ]),
            });
          }
        }
      }
      await expectRuns(impl, runs);
    },
  );

  check(
    {
      id: 'abort-stops-at-once',
      title:
        'aborting rejects with the signal’s reason at once, before the call, mid-sleep or mid-call, and fn is never called again; sleep is handed the signal',
      item: 'system-error-handling',
      weight: 2,
      rules: [
        'abort-before-start',
        'abort-during-sleep',
        'abort-during-call',
        'signal-handed-to-sleep',
        'abort-listener-removed',
      ],
    },
    async ({ impl }) => {
      const fail = (): never => {
        throw transient('down');
      };
      const before = new AbortController();
      const earlyReason = new Error('request cancelled before it started');
      before.abort(earlyReason);
      let earlyCalls = 0;
      const early = track(
        (async () =>
          impl.retry(
            () => {
              earlyCalls++;
              fail();
            },
            { signal: before.signal, sleep: createManualClock().sleep },
          ))(),
      );
      early.promise.catch(() => {});
      await flush();
      expect(earlyCalls, 'an already aborted signal: fn calls').toBe(0);
      expect(early.state(), 'an already aborted signal: retry() had not rejected').toBe('rejected');
      expect(early.error(), 'an already aborted signal rejects with its reason').toBe(earlyReason);

      const clock = createManualClock();
      const controller = new AbortController();
      const reason = new Error('client went away');
      let calls = 0;
      const call = track(
        impl.retry(
          () => {
            calls++;
            fail();
          },
          {
            maxAttempts: 5,
            baseDelayMs: 10_000,
            jitter: 'none',
            signal: controller.signal,
            now: clock.now,
            sleep: clock.sleep,
          },
        ),
      );
      call.promise.catch(() => {});
      await flush();
      expect(calls, 'calls before the abort').toBe(1);
      controller.abort(reason);
      await flush();
      expect(
        call.state(),
        'aborted during a 10 000 ms sleep: retry() was still pending with the clock standing still',
      ).toBe('rejected');
      expect(call.error(), 'aborted during a sleep: rejects with signal.reason').toBe(reason);
      await clock.advance(60_000);
      expect(calls, 'fn calls after the abort and 60 s of clock time').toBe(1);

      const midCall = new AbortController();
      const midReason = new Error('shutting down');
      let midCalls = 0;
      const hanging = track(
        impl.retry(
          () => {
            midCalls++;
            return new Promise<never>(() => {});
          },
          { maxAttempts: 5, signal: midCall.signal, now: clock.now, sleep: clock.sleep },
        ),
      );
      hanging.promise.catch(() => {});
      await flush();
      midCall.abort(midReason);
      await flush();
      expect(hanging.state(), 'aborted while fn’s promise was pending: retry() had not rejected').toBe('rejected');
      expect(hanging.error(), 'aborted mid-call: rejects with signal.reason').toBe(midReason);
      expect(midCalls, 'aborted mid-call: fn calls').toBe(1);

      const runs: NamedRun[] = [];
      const reasons: [string, unknown][] = [
        ['an Error', new Error('client went away')],
        ['a string', 'shutting down'],
        ['no reason (an AbortError)', undefined],
        ['a plain object', { why: 'deploy' }],
      ];
      for (const [what, abortReason] of reasons) {
        runs.push(
          {
            name: `aborted before the call with ${what}`,
            plan: planOf({}, [fails()], {
              signal: { abort: { when: 'before-start', reason: abortReason }, sleepHonoursSignal: true },
            }),
          },
          {
            name: `aborted during attempt 2 with ${what}`,
            plan: planOf({ maxAttempts: 4 }, [fails()], {
              signal: { abort: { when: 'during-call', attempt: 2, reason: abortReason }, sleepHonoursSignal: true },
            }),
          },
          {
            // The breaker's execute wraps fn's promise: the abort must not wait for it either.
            name: `aborted during attempt 2, made through a breaker, with ${what}`,
            plan: planOf({ maxAttempts: 4 }, [fails()], {
              signal: { abort: { when: 'during-call', attempt: 2, reason: abortReason }, sleepHonoursSignal: true },
            }),
            breaker: { failureThreshold: 5 },
          },
          {
            name: `aborted during the 2nd sleep (a sleep that honours the signal) with ${what}`,
            plan: planOf({ maxAttempts: 4 }, [fails()], {
              signal: { abort: { when: 'during-sleep', attempt: 2, reason: abortReason }, sleepHonoursSignal: true },
            }),
          },
          {
            name: `aborted during the 1st sleep (a sleep that ignores the signal) with ${what}`,
            plan: planOf({ maxAttempts: 4 }, [fails()], {
              signal: { abort: { when: 'during-sleep', attempt: 1, reason: abortReason }, sleepHonoursSignal: false },
            }),
          },
        );
      }
      runs.push({
        name: 'a signal that never aborts is handed to every sleep',
        plan: planOf({ maxAttempts: 4 }, [fails(), fails({ shape: 'string' }), succeeds()], {
          signal: { sleepHonoursSignal: true },
        }),
      });
      await expectRuns(impl, runs);
    },
  );

  check(
    {
      id: 'effects-in-order',
      title:
        'after a failure: shouldRetry, then the budget, then onRetry, then one sleep, and the next attempt only once the sleep has resolved',
      item: 'api-design',
      rules: ['on-retry-before-sleep', 'one-sleep-between-attempts', 'budget-record-call', 'budget-acquire-per-retry'],
    },
    async ({ impl }) => {
      const promised = (...values: boolean[]) => ({ answers: values, async: values.map(() => true) });
      await expectRuns(impl, [
        {
          name: 'three failures, then a success, with every hook',
          plan: planOf(
            { maxAttempts: 5, jitter: 'equal' },
            [fails(), fails({ async: true }), fails({ shape: 'object' }), succeeds()],
            { shouldRetry: promised(true, true, true, true) },
          ),
          budget: { initialTokens: 5, ratio: 0 },
        },
        {
          name: 'a budget that runs out at the second retry',
          plan: planOf({ maxAttempts: 5, jitter: 'none' }, [fails()], {
            shouldRetry: promised(true, true, true, true),
          }),
          budget: { initialTokens: 1, ratio: 0.5 },
        },
        {
          name: 'onRetry without a budget',
          plan: planOf({ maxAttempts: 3, jitter: 'decorrelated' }, [fails({ shape: 'undefined' })]),
        },
      ]);
    },
  );

  check(
    {
      id: 'budget-in-retry',
      title:
        'with a budget: one recordCall per retry(), one tryAcquireRetry per retry (never for the first attempt, the last or a non-retried error), and a refusal gives up at once',
      item: 'distributed-systems',
      rules: ['budget-record-call', 'budget-acquire-per-retry', 'budget-refusal-gives-up'],
    },
    async ({ impl }) => {
      await expectRuns(impl, [
        {
          name: 'an empty budget refuses the first retry',
          plan: planOf({ maxAttempts: 4 }, [fails()]),
          budget: { initialTokens: 0, ratio: 0 },
        },
        {
          name: 'one token: one retry, then a refusal',
          plan: planOf({ maxAttempts: 4 }, [fails({ shape: 'string' })]),
          budget: { initialTokens: 1, ratio: 0 },
        },
        {
          name: 'the call’s own deposit buys the retry',
          plan: planOf({ maxAttempts: 2 }, [fails(), succeeds()]),
          budget: { initialTokens: 0.75, ratio: 0.25 },
        },
        {
          name: 'no token is asked for after the last attempt',
          plan: planOf({ maxAttempts: 2 }, [fails()]),
          budget: { initialTokens: 5 },
        },
        {
          name: 'no token is asked for a non-retried error',
          plan: planOf({ maxAttempts: 4 }, [fails({ retryable: false })]),
          budget: { initialTokens: 5 },
        },
        {
          name: 'no token is asked for when the first attempt succeeds',
          plan: planOf({ maxAttempts: 4 }, [succeeds()]),
          budget: { initialTokens: 0, maxTokens: 0.5 },
        },
      ]);
    },
  );

  check(
    {
      id: 'breaker-in-retry',
      title:
        'with a breaker: every attempt goes through execute; a refusal gives up at once with circuit-open; an error fn throws that merely looks like a refusal is retried',
      item: 'distributed-systems',
      rules: ['breaker-wraps-attempts', 'breaker-refusal-gives-up', 'error-attempts', 'error-cause-last'],
    },
    async ({ impl }) => {
      await expectRuns(impl, [
        {
          name: 'the breaker opens on the 2nd failure',
          plan: planOf({ maxAttempts: 5 }, [fails()]),
          breaker: { failureThreshold: 2, resetTimeoutMs: 10_000 },
        },
        {
          name: 'a breaker open from the start',
          plan: planOf({ maxAttempts: 3 }, [fails()]),
          breaker: { failureThreshold: 1, resetTimeoutMs: 60_000 },
          breakerFailuresBefore: 1,
        },
        {
          name: 'fn throws an ERR_CIRCUIT_OPEN error of its own',
          plan: planOf({ maxAttempts: 3 }, [fails({ looksLikeRefusal: true }), succeeds()]),
          breaker: { failureThreshold: 5 },
        },
        {
          name: 'an ERR_CIRCUIT_OPEN error without a breaker',
          plan: planOf({ maxAttempts: 3 }, [fails({ looksLikeRefusal: true }), succeeds()]),
        },
        {
          name: 'the breaker half-opens during the sleep',
          plan: planOf({ maxAttempts: 3, baseDelayMs: 1_000, jitter: 'none' }, [fails(), succeeds()]),
          breaker: { failureThreshold: 1, resetTimeoutMs: 1_000 },
        },
      ]);
    },
  );

  check(
    {
      id: 'rejects-bad-input',
      title:
        'bad retry() options throw a TypeError or RangeError naming the option and the value received, and call nothing',
      item: 'code-error-handling',
      redFlag: 'no-error-handling',
      rules: ['rejects-bad-options', 'bad-options-message', 'bad-options-call-nothing'],
    },
    async ({ impl }) => {
      const cases: [string, unknown][] = [
        ['maxAttempts', 0],
        ['maxAttempts', -1],
        ['maxAttempts', 2.5],
        ['maxAttempts', Number.NaN],
        ['maxAttempts', 'three'],
        ['maxAttempts', null],
        ['maxAttempts', true],
        ['maxAttempts', -Infinity],
        ['baseDelayMs', -1],
        ['baseDelayMs', -0.5],
        ['baseDelayMs', Number.NaN],
        ['baseDelayMs', Infinity],
        ['baseDelayMs', 'hundred'],
        ['baseDelayMs', null],
        ['maxDelayMs', 99.5],
        ['maxDelayMs', -1],
        ['maxDelayMs', Number.NaN],
        ['maxDelayMs', 'twenty'],
        ['maxDelayMs', null],
        ['factor', 0.5],
        ['factor', 0],
        ['factor', -2],
        ['factor', Number.NaN],
        ['factor', Infinity],
        ['factor', 'double'],
        ['factor', null],
        ['jitter', 'random'],
        ['jitter', 'Full'],
        ['jitter', ''],
        ['jitter', 5],
        ['jitter', null],
        ['shouldRetry', true],
        ['shouldRetry', 'yes'],
        ['onRetry', 1],
        ['now', 1767225600000],
        ['sleep', 100],
        ['random', 0.5],
        ['random', null],
        ['signal', 'abort'],
        ['signal', {}],
        ['budget', {}],
        ['budget', { recordCall() {} }],
        ['budget', 10],
        ['budget', null],
        ['breaker', {}],
        ['breaker', 'open'],
        ['breaker', null],
      ];
      const attempts: [string, unknown, Record<string, unknown>][] = [
        ['fn', 42, {}],
        ['fn', 'fn', {}],
        ['fn', null, {}],
        ['fn', undefined, {}],
        ['fn', {}, {}],
        ...cases.map(([name, value]): [string, unknown, Record<string, unknown>] => [
          name,
          undefined,
          { [name]: value },
        ]),
        ['maxDelayMs', undefined, { baseDelayMs: 500, maxDelayMs: 100 }],
      ];
      for (const [name, fnValue, bad] of attempts) {
        const called: string[] = [];
        const spy = (what: string) => () => void called.push(what);
        const fn = name === 'fn' ? fnValue : () => void called.push('fn');
        const options: Record<string, unknown> = {
          now: () => (called.push('now'), START),
          sleep: async () => void called.push('sleep'),
          random: () => (called.push('random'), 0.5),
          onRetry: spy('onRetry'),
          shouldRetry: () => (called.push('shouldRetry'), true),
          budget: {
            recordCall: spy('budget.recordCall'),
            tryAcquireRetry: () => (called.push('budget.tryAcquireRetry'), true),
            tokens: 1,
          },
          breaker: { execute: (f: () => unknown) => (called.push('breaker.execute'), f()) },
          ...bad,
        };
        const verdict = badRetryOption(fn, options);
        const label = `retry() with ${
          name === 'fn'
            ? `fn = ${show(fnValue)}`
            : Object.entries(bad)
                .map(([key, value]) => `${key}: ${show(value)}`)
                .join(', ')
        }`;
        if (verdict === undefined)
          throw new Error(`${label}: the spec's model finds nothing wrong (a defect of the spec)`);
        const thrown = await thrownBy(() => impl.retry(fn as () => unknown, options as Kata.RetryOptions));
        const difference = badInputDifference(thrown, verdict.names, verdict.received);
        expect(difference, `${label}: ${difference}`).toBeUndefined();
        expect(called, `${label}: called ${called.join(', ')} despite the bad option`).toEqual([]);
      }
      for (const options of [null, 5, 'fast']) {
        let calls = 0;
        const thrown = await thrownBy(() => impl.retry(() => void calls++, options as unknown as Kata.RetryOptions));
        expect(
          thrown instanceof TypeError || thrown instanceof RangeError,
          `retry(fn, ${show(options)}): threw ${describe(thrown)}, expected a TypeError or RangeError`,
        ).toBe(true);
        expect(calls, `retry(fn, ${show(options)}) called fn`).toBe(0);
      }
    },
  );

  check(
    {
      id: 'max-attempts-infinity-rejected',
      title:
        'maxAttempts: Infinity is a bad option (a RangeError or TypeError naming maxAttempts and Infinity); large whole numbers are fine',
      item: 'code-error-handling',
      rules: ['max-attempts-infinity-rejected'],
    },
    async ({ impl }) => {
      let calls = 0;
      const time = instantTime();
      const thrown = await thrownBy(() =>
        impl.retry(() => void calls++, { maxAttempts: Infinity, now: time.now, sleep: time.sleep }),
      );
      const difference = badInputDifference(thrown, ['maxAttempts'], 'Infinity');
      expect(difference, `retry() with maxAttempts: Infinity: ${difference}`).toBeUndefined();
      expect(calls, 'fn calls with maxAttempts: Infinity').toBe(0);
      const value = await impl.retry(() => 'ok', { maxAttempts: 1_000_000, now: time.now, sleep: time.sleep });
      expect(value, 'retry() with maxAttempts: 1 000 000 resolved').toBe('ok');
    },
  );

  check(
    {
      id: 'default-cap-below-base-rejected',
      title:
        'the default cap stays 20 s: baseDelayMs above 20 000 without a maxDelayMs is a bad option; with one (or at 20 000) it is fine',
      item: 'code-error-handling',
      rules: ['default-cap-below-base-rejected'],
    },
    async ({ impl }) => {
      for (const baseDelayMs of [20_001, 30_000]) {
        let calls = 0;
        const time = instantTime();
        const thrown = await thrownBy(() =>
          impl.retry(() => void calls++, { baseDelayMs, now: time.now, sleep: time.sleep }),
        );
        const difference = badInputDifference(thrown, ['maxDelayMs', 'baseDelayMs'], undefined);
        expect(difference, `retry() with baseDelayMs: ${baseDelayMs} and no maxDelayMs: ${difference}`).toBeUndefined();
        expect(calls, `fn calls with baseDelayMs: ${baseDelayMs} and no maxDelayMs`).toBe(0);
      }
      await expectRuns(impl, [
        {
          name: 'baseDelayMs 20 000 under the default cap',
          plan: planOf({ baseDelayMs: 20_000, jitter: 'none' }, [fails()]),
        },
        {
          name: 'baseDelayMs 30 000 with maxDelayMs 30 000',
          plan: planOf({ baseDelayMs: 30_000, maxDelayMs: 30_000, jitter: 'none' }, [fails()]),
        },
      ]);
    },
  );

  // -------------------------------------------------------------------------------------------
  // Named scenarios: RetryBudget and CircuitBreaker
  // -------------------------------------------------------------------------------------------

  check(
    {
      id: 'budget-token-bucket',
      title:
        'RetryBudget starts with initialTokens, earns ratio per call up to maxTokens, spends one per retry, refuses below one; defaults 0.1, 10, 100',
      item: 'distributed-systems',
      rules: ['budget-defaults', ...BUDGET_RULES],
    },
    async ({ impl }) => {
      const defaults = new impl.RetryBudget();
      expect(defaults.tokens, 'a default budget starts with').toBe(10);
      defaults.recordCall();
      expect(
        Math.abs(defaults.tokens - 10.1) < 1e-9,
        `after one call a default budget holds ${defaults.tokens}, expected 10.1`,
      ).toBe(true);
      for (let retry = 1; retry <= 10; retry++)
        expect(defaults.tryAcquireRetry(), `default budget, retry ${retry}`).toBe(true);
      expect(defaults.tryAcquireRetry(), 'a default budget with 0.1 token left').toBe(false);
      expect(Math.abs(defaults.tokens - 0.1) < 1e-9, `a refusal spent nothing: ${defaults.tokens} tokens left`).toBe(
        true,
      );
      const full = new impl.RetryBudget({ initialTokens: 99.5 });
      for (let call = 0; call < 20; call++) full.recordCall();
      expect(full.tokens, 'a default budget never holds more than 100 tokens').toBe(100);

      const small = new impl.RetryBudget({ ratio: 0.25, initialTokens: 0, maxTokens: 2 });
      expect(small.tryAcquireRetry(), 'an empty budget').toBe(false);
      for (let call = 0; call < 4; call++) small.recordCall();
      expect(small.tokens, 'four deposits of 0.25').toBe(1);
      expect(small.tryAcquireRetry(), 'exactly one token').toBe(true);
      expect(small.tokens, 'after spending the one token').toBe(0);
      for (let call = 0; call < 20; call++) small.recordCall();
      expect(small.tokens, 'maxTokens: 2 after twenty deposits').toBe(2);
      expect(
        [small.tryAcquireRetry(), small.tryAcquireRetry(), small.tryAcquireRetry()],
        'three retries from 2 tokens',
      ).toEqual([true, true, false]);
      const almost = new impl.RetryBudget({ ratio: 0, initialTokens: 63 / 64 });
      expect(almost.tryAcquireRetry(), '63/64 of a token').toBe(false);
      expect(almost.tokens, 'a refusal spends nothing').toBe(63 / 64);
    },
  );

  check(
    {
      id: 'rejects-bad-budget-options',
      title: 'bad RetryBudget options throw a TypeError or RangeError naming the option',
      item: 'code-error-handling',
      rules: ['budget-rejects-bad-options'],
    },
    async ({ impl }) => {
      const cases: Record<string, unknown>[] = [
        { ratio: -0.5 },
        { ratio: Number.NaN },
        { ratio: Infinity },
        { ratio: '0.1' },
        { ratio: null },
        { initialTokens: -1 },
        { initialTokens: Number.NaN },
        { initialTokens: Infinity },
        { initialTokens: '10' },
        { initialTokens: null },
        { initialTokens: 150 },
        { maxTokens: -1 },
        { maxTokens: Number.NaN },
        { maxTokens: '100' },
        { maxTokens: null },
        { maxTokens: 5 },
        { initialTokens: 3, maxTokens: 2.5 },
      ];
      for (const options of cases) {
        const name = badBudgetOption(options);
        if (name === undefined)
          throw new Error(`new RetryBudget(${show(options)}): the spec's model finds nothing wrong`);
        const thrown = await thrownBy(() => new impl.RetryBudget(options as Kata.RetryBudgetOptions));
        const difference = badInputDifference(thrown, [name], undefined);
        expect(difference, `new RetryBudget(${show(options)}): ${difference}`).toBeUndefined();
      }
      for (const options of [null, 5, 'big']) {
        const thrown = await thrownBy(() => new impl.RetryBudget(options as unknown as Kata.RetryBudgetOptions));
        expect(
          thrown instanceof TypeError || thrown instanceof RangeError,
          `new RetryBudget(${show(options)}): threw ${describe(thrown)}, expected a TypeError or RangeError`,
        ).toBe(true);
      }
      for (const options of [
        { ratio: 0 },
        { initialTokens: 0 },
        { initialTokens: 100 },
        { initialTokens: 7, maxTokens: 7 },
        { ratio: 3.5 },
      ]) {
        const thrown = await thrownBy(() => new impl.RetryBudget(options));
        expect(thrown, `new RetryBudget(${show(options)}) is valid but threw ${describe(thrown)}`).toBeUndefined();
      }
    },
  );

  check(
    {
      id: 'breaker-opens-after-consecutive-failures',
      title:
        'the breaker opens after failureThreshold consecutive failures and then refuses calls without making them, saying how long',
      item: 'system-error-handling',
      weight: 2,
      rules: [
        'breaker-opens-at-threshold',
        'breaker-success-resets',
        'breaker-open-refuses',
        'breaker-refusal-retry-after',
      ],
    },
    async ({ impl }) => {
      let now = START;
      const breaker = new impl.CircuitBreaker({ failureThreshold: 3, resetTimeoutMs: 1000, now: () => now });
      const fail = (): Promise<never> => Promise.reject(transient('down'));
      const ok = (): Promise<string> => Promise.resolve('ok');
      for (const step of [fail, fail, ok, fail, fail]) await thrownBy(() => breaker.execute(step));
      expect(breaker.state, 'after fail, fail, success, fail, fail (threshold 3) the breaker is').toBe('closed');
      await thrownBy(() => breaker.execute(fail));
      expect(breaker.state, 'after a third consecutive failure the breaker is').toBe('open');
      let called = false;
      now += 400;
      const refused = await thrownBy(() =>
        breaker.execute(async () => {
          called = true;
          return 'ok';
        }),
      );
      expect(codeOf(refused), `an open breaker rejected with ${describe(refused)}`).toBe('ERR_CIRCUIT_OPEN');
      expect(
        refused instanceof impl.CircuitOpenError,
        'the refusal is an instance of the module’s CircuitOpenError',
      ).toBe(true);
      expect((refused as Kata.CircuitOpenError).retryAfterMs, '400 ms after opening (timeout 1000), retryAfterMs').toBe(
        600,
      );
      expect(called, 'an open breaker called fn').toBe(false);

      for (const failureThreshold of [1, 2, 4]) {
        const other = new impl.CircuitBreaker({ failureThreshold, resetTimeoutMs: 5_000, now: () => now });
        for (let failure = 1; failure < failureThreshold; failure++) await thrownBy(() => other.execute(fail));
        expect(other.state, `threshold ${failureThreshold}, after ${failureThreshold - 1} failures`).toBe('closed');
        await thrownBy(() => other.execute(fail));
        expect(other.state, `threshold ${failureThreshold}, after ${failureThreshold} failures`).toBe('open');
        const refusal = await thrownBy(() => other.execute(ok));
        expect(
          (refusal as Kata.CircuitOpenError | undefined)?.retryAfterMs,
          `threshold ${failureThreshold}: retryAfterMs right after opening`,
        ).toBe(5_000);
      }
    },
  );

  check(
    {
      id: 'breaker-half-open-trial',
      title:
        'exactly resetTimeoutMs after opening the trial calls go through (halfOpenMaxCalls of them): success closes, failure re-opens for a full timeout',
      item: 'error-recovery',
      weight: 2,
      rules: [
        'breaker-half-opens-on-time',
        'breaker-half-open-trials',
        'breaker-trial-success-closes',
        'breaker-trial-failure-reopens',
        'breaker-state',
        'breaker-refusal-retry-after',
      ],
    },
    async ({ impl }) => {
      let now = START;
      const breaker = new impl.CircuitBreaker({ failureThreshold: 2, resetTimeoutMs: 1000, now: () => now });
      const fail = (): Promise<never> => Promise.reject(transient('down'));
      await thrownBy(() => breaker.execute(fail));
      await thrownBy(() => breaker.execute(fail));
      now += 999;
      expect(breaker.state, '999 ms after opening (timeout 1000) state reads').toBe('open');
      let calls = 0;
      const counted = (result: 'ok' | 'fail') => async () => {
        calls++;
        if (result === 'fail') throw transient('still down');
        return 'ok';
      };
      const early = await thrownBy(() => breaker.execute(counted('ok')));
      expect(codeOf(early), `999 ms after opening (timeout 1000) a call got ${describe(early)}`).toBe(
        'ERR_CIRCUIT_OPEN',
      );
      expect((early as Kata.CircuitOpenError).retryAfterMs, 'retryAfterMs 999 ms after opening').toBe(1);
      now += 1;
      expect(breaker.state, 'exactly 1000 ms after opening state reads').toBe('half-open');

      let release: (value: string) => void = () => {};
      const trial = track(
        breaker.execute(() => {
          calls++;
          return new Promise<string>((resolve) => (release = resolve));
        }),
      );
      await flush();
      expect(calls, '1000 ms after opening (timeout 1000), calls the trial let through').toBe(1);
      const second = await thrownBy(() => breaker.execute(counted('ok')));
      expect(codeOf(second), `a second call while the half-open trial is running got ${describe(second)}`).toBe(
        'ERR_CIRCUIT_OPEN',
      );
      expect((second as Kata.CircuitOpenError).retryAfterMs, 'retryAfterMs while the trial is running').toBe(0);
      expect(calls, 'calls let through while half-open with one trial in flight').toBe(1);
      release('ok');
      await flush();
      expect(trial.state(), 'the trial call').toBe('fulfilled');
      expect(breaker.state, 'after a successful trial the breaker is').toBe('closed');
      await thrownBy(() => breaker.execute(fail));
      expect(breaker.state, 'one failure after closing (threshold 2): the count started from zero').toBe('closed');
      expect(await breaker.execute(counted('ok')), 'a call after the breaker closed').toBe('ok');

      await thrownBy(() => breaker.execute(fail));
      await thrownBy(() => breaker.execute(fail));
      expect(breaker.state, 'two failures in a row (threshold 2)').toBe('open');
      now += 1000;
      await thrownBy(() => breaker.execute(counted('fail')));
      expect(breaker.state, 'after a failed trial the breaker is').toBe('open');
      now += 999;
      const reopened = await thrownBy(() => breaker.execute(counted('ok')));
      expect(
        codeOf(reopened),
        `999 ms after a failed trial (timeout 1000) a call got ${describe(reopened)}: the timeout must restart`,
      ).toBe('ERR_CIRCUIT_OPEN');
      now += 1;
      expect(await breaker.execute(counted('ok')), 'a trial a full timeout after the failed one').toBe('ok');
      expect(breaker.state, 'after that trial succeeded').toBe('closed');

      // Two trials at once, and a timeout of 0.
      const pair = new impl.CircuitBreaker({
        failureThreshold: 1,
        resetTimeoutMs: 0,
        halfOpenMaxCalls: 2,
        now: () => now,
      });
      await thrownBy(() => pair.execute(fail));
      expect(pair.state, 'resetTimeoutMs 0: right after opening, state reads').toBe('half-open');
      const holds: ((ok: boolean) => void)[] = [];
      const held = () =>
        new Promise<string>((resolve, reject) =>
          holds.push((ok) => (ok ? resolve('ok') : reject(transient('trial failed')))),
        );
      const trials = [track(pair.execute(held)), track(pair.execute(held))];
      await flush();
      expect(holds.length, 'halfOpenMaxCalls 2: trials let through').toBe(2);
      const third = await thrownBy(() => pair.execute(counted('ok')));
      expect(
        (third as Kata.CircuitOpenError | undefined)?.retryAfterMs,
        'a third call while two trials run: retryAfterMs',
      ).toBe(0);
      holds[0]!(false);
      await flush();
      expect(trials[0]!.state(), 'the failed trial').toBe('rejected');
      now += 0;
      expect(pair.state, 'a failed trial with resetTimeoutMs 0 re-opens, and is due at once').toBe('half-open');
    },
  );

  check(
    {
      id: 'breaker-state-changes',
      title:
        'onStateChange reports every change with its time; a call admitted before a change does not move the new state; execute passes fn’s value or failure through',
      item: 'system-error-handling',
      rules: ['breaker-state-changes', 'breaker-stale-calls-ignored', 'breaker-passes-results'],
    },
    async ({ impl }) => {
      let now = START;
      const changes: Kata.CircuitStateChange[] = [];
      const breaker = new impl.CircuitBreaker({
        failureThreshold: 2,
        resetTimeoutMs: 1000,
        halfOpenMaxCalls: 2,
        now: () => now,
        onStateChange: (change) => changes.push({ ...change }),
      });
      const value = { chargeId: 'ch_1' };
      expect(await breaker.execute(() => value), 'execute resolves with the very value fn returned').toBe(value);
      expect(await breaker.execute(async () => 'async'), 'execute resolves with what fn’s promise resolved').toBe(
        'async',
      );
      const thrownString = await thrownBy(() =>
        breaker.execute(() => {
          throw 'plain string';
        }),
      );
      expect(thrownString, 'execute rejects with the very value fn threw').toBe('plain string');

      // A call in flight while the breaker opens fails late: it must not restart the timeout.
      let lateFail: (error: unknown) => void = () => {};
      const inFlight = track(breaker.execute(() => new Promise((_, reject) => (lateFail = reject))));
      inFlight.promise.catch(() => {});
      now += 10;
      await thrownBy(() => breaker.execute(() => Promise.reject(transient('down'))));
      expect(breaker.state, 'two failures in a row (one stale string, then this one)').toBe('open');
      const openedAt = now;
      now += 500;
      lateFail(transient('late failure of a call admitted while closed'));
      await flush();
      const refusal = await thrownBy(() => breaker.execute(async () => 'nope'));
      expect(
        (refusal as Kata.CircuitOpenError | undefined)?.retryAfterMs,
        'a stale failure did not restart the timeout: retryAfterMs',
      ).toBe(openedAt + 1000 - now);

      now = openedAt + 1500;
      expect(breaker.state, '1500 ms after opening').toBe('half-open');
      const holds: ((ok: boolean) => void)[] = [];
      const held = () =>
        new Promise<string>((resolve, reject) =>
          holds.push((ok) => (ok ? resolve('ok') : reject(transient('trial failed')))),
        );
      const first = track(breaker.execute(held));
      const second = track(breaker.execute(held));
      first.promise.catch(() => {});
      second.promise.catch(() => {});
      await flush();
      now += 5;
      holds[0]!(false);
      await flush();
      const reopenedAt = now;
      expect(breaker.state, 'the first trial failed').toBe('open');
      now += 5;
      holds[1]!(true);
      await flush();
      expect(breaker.state, 'the second trial succeeded after the first had re-opened the circuit: it is stale').toBe(
        'open',
      );

      expect(
        changes.map(({ from, to }) => `${from}→${to}`),
        'the state changes reported',
      ).toEqual(['closed→open', 'open→half-open', 'half-open→open']);
      expect(changes[0]!.at, 'the closed→open change happened at').toBe(openedAt);
      expect(
        changes[1]!.at >= openedAt + 1000 && changes[1]!.at <= openedAt + 1500,
        `the open→half-open change was reported at t = ${changes[1]!.at - START}, expected between the timeout (t = ${openedAt + 1000 - START}) and its noticing (t = ${openedAt + 1500 - START})`,
      ).toBe(true);
      expect(changes[2]!.at, 'the half-open→open change happened at').toBe(reopenedAt);

      // A trial that takes 7 ms and succeeds closes the circuit when it settles, not when admitted.
      now = reopenedAt + 1000;
      const third = track(breaker.execute(held));
      third.promise.catch(() => {});
      await flush();
      now += 7;
      holds[2]!(true);
      await flush();
      expect(breaker.state, 'the trial admitted once half-open again succeeded').toBe('closed');
      expect(
        changes.slice(3).map(({ from, to }) => `${from}→${to}`),
        'the state changes reported after the re-opening',
      ).toEqual(['open→half-open', 'half-open→closed']);
      expect(changes[3]!.at, 'the second open→half-open change (noticed exactly at the timeout) happened at').toBe(
        reopenedAt + 1000,
      );
      expect(changes[4]!.at, 'the half-open→closed change happened when the trial succeeded, at').toBe(now);
    },
  );

  check(
    {
      id: 'breaker-defaults',
      title:
        'a CircuitBreaker without options opens after 5 failures, half-opens after 30 s for one trial, and reads Date.now',
      item: 'api-design',
      rules: ['breaker-defaults'],
    },
    async ({ impl }) => {
      let now = START;
      const breaker = new impl.CircuitBreaker({ now: () => now });
      const fail = (): Promise<never> => Promise.reject(transient('down'));
      for (let failure = 1; failure <= 4; failure++) await thrownBy(() => breaker.execute(fail));
      expect(breaker.state, 'default threshold: after 4 failures').toBe('closed');
      await thrownBy(() => breaker.execute(fail));
      expect(breaker.state, 'default threshold: after 5 failures').toBe('open');
      now += 29_999;
      const early = await thrownBy(() => breaker.execute(async () => 'ok'));
      expect(
        (early as Kata.CircuitOpenError | undefined)?.retryAfterMs,
        'default timeout: retryAfterMs after 29 999 ms',
      ).toBe(1);
      now += 1;
      const holds: (() => void)[] = [];
      const trial = track(breaker.execute(() => new Promise<void>((resolve) => holds.push(resolve))));
      await flush();
      expect(holds.length, 'default timeout: a trial after 30 000 ms').toBe(1);
      const second = await thrownBy(() => breaker.execute(async () => 'ok'));
      expect(codeOf(second), `default halfOpenMaxCalls (1): a second call got ${describe(second)}`).toBe(
        'ERR_CIRCUIT_OPEN',
      );
      holds[0]!();
      await trial.promise;

      const real = new impl.CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: 60_000 });
      await thrownBy(() => real.execute(fail));
      const refusal = await thrownBy(() => real.execute(async () => 'ok'));
      const left = (refusal as Kata.CircuitOpenError | undefined)?.retryAfterMs ?? Number.NaN;
      expect(
        left > 50_000 && left <= 60_000,
        `with now left out, retryAfterMs was ${left}: Date.now is the default clock`,
      ).toBe(true);
    },
  );

  check(
    {
      id: 'rejects-bad-breaker-options',
      title: 'bad CircuitBreaker options throw a TypeError or RangeError naming the option',
      item: 'code-error-handling',
      rules: ['breaker-rejects-bad-options'],
    },
    async ({ impl }) => {
      const cases: Record<string, unknown>[] = [
        { failureThreshold: 0 },
        { failureThreshold: -1 },
        { failureThreshold: 1.5 },
        { failureThreshold: Number.NaN },
        { failureThreshold: Infinity },
        { failureThreshold: '5' },
        { failureThreshold: null },
        { halfOpenMaxCalls: 0 },
        { halfOpenMaxCalls: 2.5 },
        { halfOpenMaxCalls: Number.NaN },
        { halfOpenMaxCalls: '1' },
        { halfOpenMaxCalls: null },
        { resetTimeoutMs: -1 },
        { resetTimeoutMs: Number.NaN },
        { resetTimeoutMs: '30000' },
        { resetTimeoutMs: null },
        { now: 5 },
        { onStateChange: 'log' },
      ];
      for (const options of cases) {
        const name = badBreakerOption(options);
        if (name === undefined)
          throw new Error(`new CircuitBreaker(${show(options)}): the spec's model finds nothing wrong`);
        const thrown = await thrownBy(() => new impl.CircuitBreaker(options as Kata.CircuitBreakerOptions));
        const difference = badInputDifference(thrown, [name], undefined);
        expect(difference, `new CircuitBreaker(${show(options)}): ${difference}`).toBeUndefined();
      }
      for (const options of [null, 5, 'strict']) {
        const thrown = await thrownBy(() => new impl.CircuitBreaker(options as unknown as Kata.CircuitBreakerOptions));
        expect(
          thrown instanceof TypeError || thrown instanceof RangeError,
          `new CircuitBreaker(${show(options)}): threw ${describe(thrown)}, expected a TypeError or RangeError`,
        ).toBe(true);
      }
      for (const options of [
        { failureThreshold: 1 },
        { resetTimeoutMs: 0 },
        { halfOpenMaxCalls: 7 },
        { resetTimeoutMs: 0.5 },
      ]) {
        const thrown = await thrownBy(() => new impl.CircuitBreaker(options));
        expect(thrown, `new CircuitBreaker(${show(options)}) is valid but threw ${describe(thrown)}`).toBeUndefined();
      }
    },
  );

  // -------------------------------------------------------------------------------------------
  // Named scenarios: createSubscriptionWithRetry()
  // -------------------------------------------------------------------------------------------

  check(
    {
      id: 'single-charge-across-retries',
      title: 'retries after lost payment responses reuse one idempotency key, so the customer is charged once',
      item: 'idempotency',
      weight: 3,
      redFlag: 'no-idempotency',
      rules: ['same-key-every-attempt', 'client-key-used', 'key-per-call'],
    },
    async ({ impl }) => {
      const time = instantTime();
      const paymentService = scriptedPaymentService(['lost', 'lost', 'ok']);
      const subscription = await impl.createSubscriptionWithRetry({
        userId: 'user1',
        productId: 'product1',
        paymentService,
        notificationService: mockNotificationService({ failureRate: 0, random: () => 0.5 }),
        notificationQueue: memoryQueue(),
        retry: { maxAttempts: 5, baseDelayMs: 100, now: time.now, sleep: time.sleep, random: () => 0.5 },
      });
      const keys = paymentService.calls.map((call) => call.idempotencyKey);
      expect(paymentService.calls.length, 'payment calls: lost, lost, ok').toBe(3);
      expect(
        paymentService.charges.length,
        `the customer was charged ${paymentService.charges.length} times; idempotency keys sent: ${JSON.stringify(keys)}`,
      ).toBe(1);
      expect(new Set(keys).size, `idempotency keys sent: ${JSON.stringify(keys)}`).toBe(1);
      expect(typeof keys[0] === 'string' && keys[0] !== '', 'the idempotency key is a non-empty string').toBe(true);
      expect(subscription.chargeId, 'the subscription’s chargeId').toBe(paymentService.charges[0]!.chargeId);

      const withClientKey = scriptedPaymentService(['lost', 'ok']);
      await impl.createSubscriptionWithRetry({
        userId: 'user1',
        productId: 'product1',
        idempotencyKey: 'order-42',
        paymentService: withClientKey,
        notificationService: mockNotificationService({ failureRate: 0, random: () => 0.5 }),
        notificationQueue: memoryQueue(),
        retry: { maxAttempts: 5, now: time.now, sleep: time.sleep, random: () => 0.5 },
      });
      expect(
        withClientKey.calls.map((call) => call.idempotencyKey),
        'the client’s idempotencyKey is sent on every attempt',
      ).toEqual(['order-42', 'order-42']);

      const again = scriptedPaymentService(['ok']);
      await impl.createSubscriptionWithRetry({
        userId: 'user1',
        productId: 'product1',
        paymentService: again,
        notificationService: mockNotificationService({ failureRate: 0, random: () => 0.5 }),
        notificationQueue: memoryQueue(),
        retry: { now: time.now, sleep: time.sleep, random: () => 0.5 },
      });
      expect(
        again.calls[0]?.idempotencyKey !== keys[0],
        `a second purchase without a client key sent the first purchase's key ${show(keys[0])}`,
      ).toBe(true);
    },
  );

  check(
    {
      id: 'notification-failure-is-queued',
      title: 'a confirmation that cannot be sent is queued, and the paid subscription is still returned',
      item: 'system-error-handling',
      weight: 2,
      redFlag: 'no-error-handling',
      rules: ['failed-confirmation-queued', 'confirmation-sent', 'subscription-result', 'charge-request'],
    },
    async ({ impl }) => {
      const time = instantTime();
      const retry = { maxAttempts: 3, now: time.now, sleep: time.sleep, random: () => 0.5 };
      const down = mockNotificationService({ failureRate: 1, random: () => 0.5 });
      const queue = memoryQueue();
      const payment = scriptedPaymentService(['ok']);
      const outcome = await settle(() =>
        impl.createSubscriptionWithRetry({
          userId: 'user1',
          productId: 'product1',
          paymentService: payment,
          notificationService: down,
          notificationQueue: queue,
          retry,
        }),
      );
      expect(
        outcome.ok,
        `the notification service is down: createSubscriptionWithRetry failed after charging the customer: ${outcome.ok ? '' : describe(outcome.error)}`,
      ).toBe(true);
      const queued = subscriptionDifference(impl, outcome, {
        request: { userId: 'user1', productId: 'product1' },
        payment,
        notifications: down,
        queue,
        expectCharged: true,
      });
      expect(queued, `notification service down: ${queued}`).toBeUndefined();

      const up = mockNotificationService({ failureRate: 0, random: () => 0.5 });
      const emptyQueue = memoryQueue();
      const payment2 = scriptedPaymentService(['ok']);
      const sent = await settle(() =>
        impl.createSubscriptionWithRetry({
          userId: 'user2',
          productId: 'product7',
          paymentService: payment2,
          notificationService: up,
          notificationQueue: emptyQueue,
          retry,
        }),
      );
      const delivered = subscriptionDifference(impl, sent, {
        request: { userId: 'user2', productId: 'product7' },
        payment: payment2,
        notifications: up,
        queue: emptyQueue,
        expectCharged: true,
      });
      expect(delivered, `notification service up: ${delivered}`).toBeUndefined();
    },
  );

  check(
    {
      id: 'payment-decline-not-retried',
      title:
        'a declined card (retryable: false) fails the subscription after one payment call with the RetryError, nothing sent; a payment that keeps failing rejects after maxAttempts',
      item: 'system-error-handling',
      rules: ['payment-retried-as-given', 'payment-failure-rejects'],
    },
    async ({ impl }) => {
      for (const [script, maxAttempts, expectedCalls] of [
        [['declined'], 5, 1],
        [['refused', 'string', 'lost'], 3, 3],
        [['refused', 'declined'], 4, 2],
      ] as const) {
        const time = instantTime();
        const payment = scriptedPaymentService(script);
        const notifications = mockNotificationService({ failureRate: 0, random: () => 0.5 });
        const queue = memoryQueue();
        const outcome = await settle(() =>
          impl.createSubscriptionWithRetry({
            userId: 'user1',
            productId: 'product1',
            paymentService: payment,
            notificationService: notifications,
            notificationQueue: queue,
            retry: { maxAttempts, now: time.now, sleep: time.sleep, random: () => 0.5 },
          }),
        );
        expect(payment.calls.length, `payment ${script.join(', ')} with maxAttempts ${maxAttempts}: charge calls`).toBe(
          expectedCalls,
        );
        const difference = subscriptionDifference(impl, outcome, {
          request: { userId: 'user1', productId: 'product1' },
          payment,
          notifications,
          queue,
          expectCharged: false,
        });
        expect(difference, `payment ${script.join(', ')}: ${difference}`).toBeUndefined();
      }
    },
  );

  check(
    {
      id: 'rejects-bad-subscription-request',
      title:
        'a request with a missing, empty or non-string userId or productId, or a port without its method, throws a TypeError or RangeError naming the field, and nothing is charged',
      item: 'code-error-handling',
      rules: ['subscription-rejects-bad-request'],
    },
    async ({ impl }) => {
      const payment = scriptedPaymentService(['ok']);
      const valid = {
        userId: 'user1',
        productId: 'product1',
        paymentService: payment,
        notificationService: mockNotificationService({ failureRate: 0, random: () => 0.5 }),
        notificationQueue: memoryQueue(),
      };
      const cases: [string, Record<string, unknown>][] = [
        ['userId', { userId: '' }],
        ['userId', { userId: undefined }],
        ['userId', { userId: 42 }],
        ['userId', { userId: null }],
        ['productId', { productId: '' }],
        ['productId', { productId: 42 }],
        ['productId', { productId: undefined }],
        ['paymentService', { paymentService: {} }],
        ['paymentService', { paymentService: undefined }],
        ['paymentService', { paymentService: { charge: 'card' } }],
        ['notificationService', { notificationService: {} }],
        ['notificationService', { notificationService: null }],
        ['notificationQueue', { notificationQueue: undefined }],
        ['notificationQueue', { notificationQueue: { push() {} } }],
        ['idempotencyKey', { idempotencyKey: '' }],
        ['idempotencyKey', { idempotencyKey: 42 }],
      ];
      for (const [name, change] of cases) {
        const request = { ...valid, ...change } as unknown as Kata.CreateSubscriptionRequest;
        const thrown = await thrownBy(() => impl.createSubscriptionWithRetry(request));
        const difference = badInputDifference(thrown, [name], undefined);
        expect(
          difference,
          `createSubscriptionWithRetry with ${name} = ${show(change[name])}: ${difference}`,
        ).toBeUndefined();
      }
      for (const request of [null, 42, 'user1']) {
        const thrown = await thrownBy(() =>
          impl.createSubscriptionWithRetry(request as unknown as Kata.CreateSubscriptionRequest),
        );
        expect(
          thrown instanceof TypeError || thrown instanceof RangeError,
          `createSubscriptionWithRetry(${show(request)}): threw ${describe(thrown)}, expected a TypeError or RangeError`,
        ).toBe(true);
      }
      expect(payment.calls.length, 'payment calls made for invalid requests').toBe(0);
    },
  );

  // -------------------------------------------------------------------------------------------
  // The headline races: 1000 callers on a fake clock
  // -------------------------------------------------------------------------------------------

  check(
    {
      id: 'no-thundering-herd',
      title: '1000 callers failing at once retry spread out: no 100 ms window holds more than 250 retries',
      item: 'distributed-systems',
      weight: 3,
      timeoutMs: 30_000,
      rules: ['delay-full'],
    },
    async ({ impl, seed }) => {
      const clock = createManualClock();
      const start = clock.now();
      const random = seededRandom(seed);
      const retryTimes: number[] = [];
      let pending = 1000;
      for (let caller = 0; caller < 1000; caller++) {
        let calls = 0;
        impl
          .retry(
            () => {
              if (++calls > 1) retryTimes.push(clock.now());
              throw transient('503 Service Unavailable');
            },
            {
              maxAttempts: 4,
              baseDelayMs: 1000,
              maxDelayMs: 60_000,
              jitter: 'full',
              now: clock.now,
              sleep: clock.sleep,
              random,
            },
          )
          .catch(() => {})
          .finally(() => pending--);
      }
      await runClockUntilSettled(clock, () => pending, '1000 callers against an outage');
      expect(retryTimes.length, 'retries made by 1000 callers with maxAttempts 4').toBe(3000);
      retryTimes.sort((a, b) => a - b);
      let busiest = 0;
      let busiestAt = 0;
      for (let first = 0, last = 0; last < retryTimes.length; last++) {
        while (retryTimes[last]! - retryTimes[first]! >= 100) first++;
        if (last - first + 1 > busiest) {
          busiest = last - first + 1;
          busiestAt = retryTimes[first]!;
        }
      }
      const at = busiestAt - start;
      expect(
        busiest <= 250,
        `${busiest} of 3000 retries hit the service within 100 ms (from t = ${fmt(at)} ms): a thundering herd`,
      ).toBe(true);
    },
  );

  check(
    {
      id: 'budget-caps-retry-storm',
      title: '1000 callers sharing a RetryBudget (ratio 0.1, 10 initial tokens) make at most 1110 calls in an outage',
      item: 'distributed-systems',
      weight: 3,
      timeoutMs: 30_000,
      rules: ['budget-acquire-per-retry', 'budget-earns-ratio', 'budget-refusal-gives-up'],
    },
    async ({ impl, seed }) => {
      const clock = createManualClock();
      const budget = new impl.RetryBudget({ ratio: 0.1, initialTokens: 10, maxTokens: 1000 });
      const random = seededRandom(seed);
      let serviceCalls = 0;
      let pending = 1000;
      const reasons = new Map<unknown, number>();
      for (let caller = 0; caller < 1000; caller++) {
        impl
          .retry(
            () => {
              serviceCalls++;
              throw transient('503 Service Unavailable');
            },
            {
              maxAttempts: 5,
              baseDelayMs: 100,
              maxDelayMs: 10_000,
              jitter: 'full',
              budget,
              now: clock.now,
              sleep: clock.sleep,
              random,
            },
          )
          .catch((error: unknown) => {
            const reason = (error as { reason?: unknown }).reason;
            reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
          })
          .finally(() => pending--);
      }
      await runClockUntilSettled(clock, () => pending, '1000 callers sharing a budget');
      const retries = serviceCalls - 1000;
      expect(
        serviceCalls <= 1110,
        `the service received ${serviceCalls} calls (${retries} retries) from 1000 callers: the budget allows 10 + 0.1 × 1000 = 110 retries`,
      ).toBe(true);
      expect(
        retries >= 100,
        `only ${retries} retries went through: each of the 1000 calls should have earned 0.1 token on top of the 10 initial ones`,
      ).toBe(true);
      expect(
        reasons.get('budget-exhausted') ?? 0,
        `callers refused by the budget should reject with reason 'budget-exhausted' (reasons seen: ${JSON.stringify([...reasons])})`,
      ).toBeGreaterThan(0);
    },
  );

  check(
    {
      id: 'breaker-shields-service-in-outage',
      title:
        '1000 callers through one breaker in a 25 s outage: the service sees few calls, the breaker half-opens, then closes',
      item: 'distributed-systems',
      weight: 3,
      timeoutMs: 30_000,
      rules: [
        'breaker-wraps-attempts',
        'breaker-refusal-gives-up',
        'breaker-half-open-trials',
        'breaker-trial-success-closes',
        'breaker-trial-failure-reopens',
      ],
    },
    async ({ impl, seed }) => {
      const clock = createManualClock();
      const start = clock.now();
      const recoversAt = start + 25_000;
      const log: ({ kind: 'change'; to: Kata.CircuitState; at: number } | { kind: 'call'; at: number })[] = [];
      const breaker = new impl.CircuitBreaker({
        failureThreshold: 5,
        resetTimeoutMs: 10_000,
        halfOpenMaxCalls: 1,
        now: clock.now,
        onStateChange: (change) => log.push({ kind: 'change', to: change.to, at: clock.now() }),
      });
      const random = seededRandom(seed);
      const service = async (): Promise<string> => {
        log.push({ kind: 'call', at: clock.now() });
        await clock.sleep(50);
        if (clock.now() < recoversAt) throw transient('503 Service Unavailable');
        return 'ok';
      };
      const outcomes: { arrivedAt: number; ok: boolean }[] = [];
      let pending = 0;
      let arriving = true;
      const arrivals = (async () => {
        for (let caller = 0; caller < 1000; caller++) {
          const arrivedAt = clock.now();
          pending++;
          impl
            .retry(service, {
              maxAttempts: 3,
              baseDelayMs: 100,
              maxDelayMs: 1000,
              jitter: 'full',
              breaker,
              now: clock.now,
              sleep: clock.sleep,
              random,
            })
            .then(
              () => outcomes.push({ arrivedAt, ok: true }),
              () => outcomes.push({ arrivedAt, ok: false }),
            )
            .finally(() => pending--);
          if (caller < 999) await clock.sleep(40);
        }
      })().finally(() => (arriving = false));
      await runClockUntilSettled(clock, () => pending + (arriving ? 1 : 0), '1000 callers through one breaker');
      await arrivals;

      const callsInOutage = log.filter((entry) => entry.kind === 'call' && entry.at < recoversAt).length;
      expect(
        callsInOutage <= 20,
        `the service received ${callsInOutage} calls during the 25 s outage: the breaker did not keep them away`,
      ).toBe(true);

      const changes = log.filter((entry) => entry.kind === 'change');
      const sequence = changes.map((change) => change.to).join(' → ');
      expect(changes[0]?.to, `state changes: ${sequence || 'none'}; the first should be to open`).toBe('open');
      const halfOpens = changes.filter((change) => change.to === 'half-open').length;
      expect(
        halfOpens >= 2,
        `state changes: ${sequence}; a 25 s outage with a 10 s reset timeout should half-open, fail the trial and re-open`,
      ).toBe(true);
      const closed = changes.find((change) => change.to === 'closed');
      expect(
        closed !== undefined,
        `state changes: ${sequence}; the breaker never closed after the service recovered`,
      ).toBe(true);
      expect(
        closed!.at >= recoversAt,
        `the breaker closed at t = ${closed!.at - start} ms, before the service recovered at 25 000 ms`,
      ).toBe(true);
      expect(breaker.state, 'the breaker at the end').toBe('closed');

      let trialsPerHalfOpen = 0;
      let inHalfOpen = false;
      for (const entry of log) {
        if (entry.kind === 'change') {
          inHalfOpen = entry.to === 'half-open';
          trialsPerHalfOpen = 0;
        } else if (inHalfOpen && ++trialsPerHalfOpen > 1) {
          throw new Error(
            `a second call reached the service at t = ${entry.at - start} ms while the breaker was half-open (halfOpenMaxCalls 1)`,
          );
        }
      }

      const late = outcomes.filter((outcome) => outcome.arrivedAt > closed!.at);
      const lateFailures = late.filter((outcome) => !outcome.ok).length;
      expect(late.length, 'callers arriving after the breaker closed').toBeGreaterThan(100);
      expect(lateFailures, `${lateFailures} of ${late.length} callers arriving after the breaker closed failed`).toBe(
        0,
      );
    },
  );

  check(
    {
      id: 'seed-resilience',
      title:
        'property: with MockPaymentService failureRate 0.5 and MockNotificationService 0.3 the subscription is created with exactly one charge',
      item: 'error-recovery',
      weight: 3,
      redFlag: 'no-retry-mechanism',
      rules: [
        'same-key-every-attempt',
        'payment-retried-as-given',
        'failed-confirmation-queued',
        'subscription-result',
      ],
    },
    async ({ impl, property }) => {
      const maxAttempts = 12;
      await property(
        fc.asyncProperty(fc.integer(), async (caseSeed) => {
          // Replay the payment service's dice to know whether any of the 12 attempts can succeed.
          const preview = seededRandom(caseSeed);
          const firstSuccess = Array.from({ length: maxAttempts }, preview).findIndex((roll) => roll >= 0.5);
          const paymentService = mockPaymentService({ failureRate: 0.5, random: seededRandom(caseSeed) });
          const notificationService = mockNotificationService({
            failureRate: 0.3,
            random: seededRandom(caseSeed ^ 0x5bd1e995),
          });
          const notificationQueue = memoryQueue();
          const time = instantTime();
          const outcome = await settle(() =>
            impl.createSubscriptionWithRetry({
              userId: 'user1',
              productId: 'product1',
              paymentService,
              notificationService,
              notificationQueue,
              retry: {
                maxAttempts,
                baseDelayMs: 100,
                maxDelayMs: 2_000,
                now: time.now,
                sleep: time.sleep,
                random: seededRandom(caseSeed + 1),
              },
            }),
          );
          const keys = new Set(paymentService.calls.map((call) => call.idempotencyKey));
          expect(
            paymentService.charges.length <= 1,
            `${paymentService.charges.length} charges for one subscription (${paymentService.calls.length} payment calls, ${keys.size} idempotency keys)`,
          ).toBe(true);
          if (firstSuccess === -1) {
            expect(outcome.ok, 'all 12 payment attempts failed, yet a subscription was created').toBe(false);
            return;
          }
          expect(
            outcome.ok,
            `payment attempt ${firstSuccess + 1} of ${maxAttempts} would succeed, but createSubscriptionWithRetry failed: ${outcome.ok ? '' : describe(outcome.error)}`,
          ).toBe(true);
          expect(paymentService.calls.length, 'payment calls until the first success').toBe(firstSuccess + 1);
          const difference = subscriptionDifference(impl, outcome, {
            request: { userId: 'user1', productId: 'product1' },
            payment: paymentService,
            notifications: notificationService,
            queue: notificationQueue,
            expectCharged: true,
          });
          expect(difference, `${difference}`).toBeUndefined();
        }),
        { numRuns: 40 },
      );
    },
  );
});
