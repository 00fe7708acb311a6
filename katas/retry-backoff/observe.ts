/**
 * How the spec watches an implementation: a driver that runs one retry() call with a scripted fn,
 * an injected clock, sleep and random, and records every effect in order (fn calls, shouldRetry,
 * onRetry, sleeps and their ends, the budget's and the breaker's calls, how the call ended); and
 * the comparison of such a record with the model's run (model.ts), step by step.
 */
import { getEventListeners } from 'node:events';
import { outcomeDifference, satisfies, show, type Outcome } from '../../harness/kit/index.ts';
import type * as Kata from './index.ts';
import {
  formatHttpDate,
  scheduleOf,
  within,
  type AbortPoint,
  type BreakerModel,
  type BudgetModel,
  type Bounds,
  type RetryEnding,
  type RetryRun,
  type RetryStep,
  type RetryWorld,
  type Ticket,
} from './model.ts';

export type Impl = typeof Kata;

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/** Lets promise chains and a few macrotask turns run, without moving any clock. */
export async function flush(turns = 3): Promise<void> {
  for (let turn = 0; turn < turns; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** mulberry32: the same seed gives the same numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const fmt = (ms: number): string => (Number.isInteger(ms) ? String(ms) : ms.toFixed(3));
export const showBounds = (bounds: Bounds): string => {
  const range =
    bounds.high - bounds.low <= 2.000001
      ? `${fmt((bounds.low + bounds.high) / 2)} ms (±1)`
      : `${fmt(bounds.low)}..${fmt(bounds.high)} ms`;
  return bounds.otherwise ? `${range} or ${showBounds(bounds.otherwise)}` : range;
};

/** The very value: identity, not equality of fields. */
export function identical(value: unknown, what: string): unknown {
  return satisfies(`${what} (the very value ${show(value, 60)})`, (actual) => Object.is(actual, value));
}

// ---------------------------------------------------------------------------------------------
// What a scripted attempt throws or returns
// ---------------------------------------------------------------------------------------------

export type HintPlan =
  | { readonly kind: 'seconds'; readonly seconds: number }
  | { readonly kind: 'digits'; readonly text: string }
  | { readonly kind: 'date'; readonly form: 'imf' | 'rfc850' | 'asctime'; readonly offsetSeconds: number }
  | { readonly kind: 'garbage'; readonly value: unknown };

export type FailureShape = 'error' | 'object' | 'string' | 'undefined' | 'null' | 'number';

export interface AttemptPlan {
  readonly ok: boolean;
  /** Throw (or return) synchronously, or through a promise. */
  readonly async: boolean;
  readonly shape: FailureShape;
  /** The failure's retryable property, when it is an object: absent, or one of these values. */
  readonly retryable?: false | true | 0 | null;
  readonly hint?: HintPlan;
  /** An Error that looks like another breaker's CircuitOpenError (code ERR_CIRCUIT_OPEN). */
  readonly looksLikeRefusal?: boolean;
}

/** The Retry-After value a server would send, worked out at the time of the failure. */
export function hintValue(hint: HintPlan, nowMs: number): unknown {
  switch (hint.kind) {
    case 'seconds':
      return hint.seconds;
    case 'digits':
      return hint.text;
    case 'date':
      return formatHttpDate(Math.floor(nowMs / 1000) * 1000 + hint.offsetSeconds * 1000, hint.form);
    case 'garbage':
      return hint.value;
  }
}

/** Builds attempt `attempt`'s value: what fn throws (a failure) or returns (a success). */
export function attemptValue(plan: AttemptPlan, attempt: number, nowMs: number): unknown {
  if (plan.ok) {
    switch (plan.shape) {
      case 'string':
        return `result of attempt ${attempt}`;
      case 'undefined':
        return undefined;
      case 'null':
        return null;
      case 'number':
        return attempt;
      default:
        return { charged: true, attempt };
    }
  }
  const extra: Record<string, unknown> = {};
  if (plan.retryable !== undefined) extra.retryable = plan.retryable;
  if (plan.hint !== undefined) extra.retryAfter = hintValue(plan.hint, nowMs);
  if (plan.looksLikeRefusal) extra.code = 'ERR_CIRCUIT_OPEN';
  switch (plan.shape) {
    case 'error':
      return Object.assign(new Error(`attempt ${attempt}: 503 Service Unavailable`), extra);
    case 'object':
      return { message: `attempt ${attempt}: 429 Too Many Requests`, ...extra };
    case 'string':
      return `attempt ${attempt}: connection reset`;
    case 'undefined':
      return undefined;
    case 'null':
      return null;
    case 'number':
      return 500 + attempt;
  }
}

// ---------------------------------------------------------------------------------------------
// Recording
// ---------------------------------------------------------------------------------------------

export type Observed =
  | { readonly kind: 'recordCall' }
  | { readonly kind: 'acquire'; readonly granted: unknown }
  | { readonly kind: 'execute' }
  | { readonly kind: 'fn'; readonly attempt: unknown }
  | { readonly kind: 'shouldRetry'; readonly failure: unknown; readonly attempt: unknown }
  | { readonly kind: 'onRetry'; readonly event: unknown }
  | { readonly kind: 'sleep'; readonly ms: unknown; readonly signal: unknown }
  | { readonly kind: 'sleep-end' }
  | { readonly kind: 'end'; readonly outcome: Outcome<unknown> };

/** Where the watched budget and breaker report: the run being recorded now, if any. */
export interface Recorder {
  current: Observed[] | undefined;
  /** Called for every breaker.execute, with whether fn was let through and how it ended. */
  onExecute?: (call: WatchedExecute) => void;
}

export interface WatchedExecute {
  /** Set once execute calls fn. */
  admitted: boolean;
  /** The rejection of a call that was refused (execute rejected without calling fn). */
  refusal?: unknown;
  refused: boolean;
}

/** Records the budget's calls on the instance itself, so any class shape keeps working. */
export function watchBudget(budget: Kata.RetryBudget, recorder: Recorder): Kata.RetryBudget {
  const recordCall = budget.recordCall.bind(budget);
  const tryAcquireRetry = budget.tryAcquireRetry.bind(budget);
  Object.assign(budget, {
    recordCall(): void {
      recorder.current?.push({ kind: 'recordCall' });
      recordCall();
    },
    tryAcquireRetry(): boolean {
      const granted = tryAcquireRetry();
      recorder.current?.push({ kind: 'acquire', granted });
      return granted;
    },
  });
  return budget;
}

/** Records every breaker.execute and whether the breaker let fn through. */
export function watchBreaker(breaker: Kata.CircuitBreaker, recorder: Recorder): Kata.CircuitBreaker {
  const execute = breaker.execute.bind(breaker);
  Object.assign(breaker, {
    execute<T>(fn: () => T | Promise<T>): Promise<T> {
      recorder.current?.push({ kind: 'execute' });
      const call: WatchedExecute = { admitted: false, refused: false };
      recorder.onExecute?.(call);
      const result = execute(() => {
        call.admitted = true;
        return fn();
      });
      Promise.resolve(result).then(
        () => {},
        (error: unknown) => {
          if (!call.admitted) {
            call.refused = true;
            call.refusal = error;
          }
        },
      );
      return result;
    },
  });
  return breaker;
}

// ---------------------------------------------------------------------------------------------
// Driving one retry() call
// ---------------------------------------------------------------------------------------------

export interface Clock {
  now: number;
}

export interface CallPlan {
  /** maxAttempts, baseDelayMs, maxDelayMs, factor, jitter: a key present with undefined means "default". */
  readonly options: Readonly<Record<string, unknown>>;
  readonly attempts: readonly AttemptPlan[];
  /** A custom shouldRetry's answers per attempt (missing: true), and whether each is a promise. */
  readonly shouldRetry?: { readonly answers: readonly boolean[]; readonly async: readonly boolean[] } | undefined;
  readonly onRetry: boolean;
  /** Whether options.signal is given, and where it aborts. */
  readonly signal?: { readonly abort?: AbortPoint | undefined; readonly sleepHonoursSignal: boolean } | undefined;
  readonly draws: readonly number[];
}

export interface DriveResult {
  readonly observed: Observed[];
  /** What fn threw or returned, by attempt (from 1). */
  readonly values: Map<number, unknown>;
  /** The clock at each attempt's call, by attempt. */
  readonly nowAtCall: Map<number, number>;
  readonly slept: number[];
  readonly signal: AbortSignal | undefined;
  /** Set when retry() neither settled nor slept, or stayed pending after an abort. */
  readonly stuck: string | undefined;
  /** Abort listeners left on the signal once retry() had settled (the driver's own are gone by then). */
  readonly listenersLeft?: number;
  readonly startedAt: number;
}

/** Longest stretch of macrotask turns without any effect before a run counts as stuck. */
const IDLE_TURNS = 12;
/** Turns an aborted retry() may take to reject: "at once" means before anything else happens. */
const ABORT_TURNS = 2;

/**
 * Runs impl.retry once with the plan and records what it did. Every sleep resolves one macrotask
 * turn after it was asked for (moving the clock by its length), so "fn(n + 1) only after the
 * sleep resolved" is observable; nothing waits for real time.
 */
export async function driveRetry(
  impl: Impl,
  plan: CallPlan,
  shared: {
    readonly clock: Clock;
    readonly recorder?: Recorder;
    readonly budget?: Kata.RetryBudget | undefined;
    readonly breaker?: Kata.CircuitBreaker | undefined;
  },
): Promise<DriveResult> {
  const { clock } = shared;
  const recorder: Recorder = shared.recorder ?? { current: undefined };
  const observed: Observed[] = [];
  recorder.current = observed;
  const values = new Map<number, unknown>();
  const nowAtCall = new Map<number, number>();
  const slept: number[] = [];
  const startedAt = clock.now;
  const controller = plan.signal ? new AbortController() : undefined;
  const abort = plan.signal?.abort;
  let abortNow: (() => void) | undefined;
  const hanging: ((fail: boolean) => void)[] = [];

  const fn = (attempt: number): unknown => {
    observed.push({ kind: 'fn', attempt });
    const index = typeof attempt === 'number' && attempt >= 1 ? attempt : 0;
    nowAtCall.set(index, clock.now);
    if (abort?.when === 'during-call' && abort.attempt === attempt) {
      abortNow = () => controller!.abort(abort.reason);
      return new Promise((resolve, reject) => {
        hanging.push((fail) => (fail ? reject(new Error('answered after the abort')) : resolve('late answer')));
      });
    }
    const attemptPlan = plan.attempts[Math.min(index, plan.attempts.length) - 1];
    if (attemptPlan === undefined) throw new Error(`fn called with attempt ${show(attempt)}`);
    const value = attemptValue(attemptPlan, index, clock.now);
    values.set(index, value);
    if (attemptPlan.ok) return attemptPlan.async ? Promise.resolve(value) : value;
    if (attemptPlan.async) return Promise.reject(value);
    throw value;
  };

  const sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    observed.push({ kind: 'sleep', ms, signal });
    const index = slept.length;
    slept.push(ms);
    if (abort?.when === 'during-sleep' && abort.attempt === index + 1) {
      abortNow = () => controller!.abort(abort.reason);
      return new Promise((resolve, reject) => {
        if (plan.signal?.sleepHonoursSignal && signal) {
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        }
        hanging.push(() => resolve());
      });
    }
    return new Promise((resolve) =>
      setImmediate(() => {
        if (typeof ms === 'number' && Number.isFinite(ms) && ms > 0) clock.now += ms;
        observed.push({ kind: 'sleep-end' });
        resolve();
      }),
    );
  };

  const draws = [...plan.draws];
  let drawn = 0;
  const random = (): number => draws[drawn++ % Math.max(1, draws.length)] ?? 0.5;

  const options: Record<string, unknown> = {
    ...plan.options,
    now: () => clock.now,
    sleep,
    random,
  };
  if (plan.shouldRetry) {
    const { answers, async } = plan.shouldRetry;
    options.shouldRetry = (failure: unknown, attempt: number) => {
      observed.push({ kind: 'shouldRetry', failure, attempt });
      const index = typeof attempt === 'number' ? attempt - 1 : -1;
      const answer = answers[index] ?? true;
      return async[index] ? Promise.resolve(answer) : answer;
    };
  }
  if (plan.onRetry) options.onRetry = (event: unknown) => observed.push({ kind: 'onRetry', event });
  if (controller) options.signal = controller.signal;
  if (shared.budget) options.budget = shared.budget;
  if (shared.breaker) options.breaker = shared.breaker;

  if (abort?.when === 'before-start') controller!.abort(abort.reason);

  let outcome: Outcome<unknown> | undefined;
  const call = (async () => impl.retry(fn as (attempt: number) => unknown, options as Kata.RetryOptions))();
  call.then(
    (value) => {
      outcome = { ok: true, value };
      observed.push({ kind: 'end', outcome });
    },
    (error: unknown) => {
      outcome = { ok: false, error };
      observed.push({ kind: 'end', outcome });
    },
  );

  let stuck: string | undefined;
  let idle = 0;
  let seen = -1;
  while (outcome === undefined) {
    await flush(1);
    if (abortNow) {
      const trigger = abortNow;
      abortNow = undefined;
      trigger();
      await flush(ABORT_TURNS);
      if (outcome === undefined) {
        stuck = `retry() was still pending ${ABORT_TURNS} macrotask turns after the signal aborted`;
        break;
      }
      break;
    }
    if (observed.length !== seen) {
      seen = observed.length;
      idle = 0;
    } else if (++idle > IDLE_TURNS) {
      stuck = 'retry() neither settled nor called the injected sleep (a real timer, or a promise never settled?)';
      break;
    }
  }
  // Whatever was left hanging answers now: nothing may happen after retry() settled.
  for (const release of hanging.splice(0)) release(true);
  await flush(3);
  recorder.current = undefined;
  const listenersLeft = controller ? getEventListeners(controller.signal, 'abort').length : 0;
  return { observed, values, nowAtCall, slept, signal: controller?.signal, stuck, startedAt, listenersLeft };
}

// ---------------------------------------------------------------------------------------------
// Comparing a recorded run with the model's
// ---------------------------------------------------------------------------------------------

export function describeObserved(step: Observed): string {
  switch (step.kind) {
    case 'recordCall':
      return 'budget.recordCall()';
    case 'acquire':
      return `budget.tryAcquireRetry() → ${show(step.granted)}`;
    case 'execute':
      return 'breaker.execute(…)';
    case 'fn':
      return `fn(${show(step.attempt)})`;
    case 'shouldRetry':
      return `shouldRetry(${show(step.failure, 60)}, ${show(step.attempt)})`;
    case 'onRetry': {
      const event = step.event as { attempt?: unknown; delayMs?: unknown } | undefined;
      return `onRetry({ attempt: ${show(event?.attempt)}, delayMs: ${show(event?.delayMs)} })`;
    }
    case 'sleep':
      return `sleep(${typeof step.ms === 'number' ? fmt(step.ms) : show(step.ms)})`;
    case 'sleep-end':
      return 'sleep resolved';
    case 'end':
      return step.outcome.ok ? `resolved ${show(step.outcome.value, 80)}` : `rejected ${show(step.outcome.error, 120)}`;
  }
}

export function describeStep(step: RetryStep): string {
  switch (step.kind) {
    case 'recordCall':
      return 'budget.recordCall()';
    case 'acquire':
      return `budget.tryAcquireRetry() → ${step.granted}`;
    case 'execute':
      return 'breaker.execute(…)';
    case 'fn':
      return `fn(${step.attempt})`;
    case 'shouldRetry':
      return `shouldRetry(${show(step.failure, 60)}, ${step.attempt})`;
    case 'onRetry':
      return `onRetry({ attempt: ${step.attempt}, delayMs: ${showBounds(step.delay)} })`;
    case 'sleep':
      return `sleep(${showBounds(step.delay)})`;
    case 'sleep-end':
      return 'sleep resolved';
    case 'end':
      return describeEnding(step.ending);
  }
}

function describeEnding(ending: RetryEnding): string {
  switch (ending.kind) {
    case 'resolved':
      return `resolve with ${show(ending.value, 80)}`;
    case 'aborted':
      return `reject with the signal's reason ${show(ending.reason, 60)}`;
    case 'gave-up':
      return `reject with RetryError { reason: '${ending.reason}', attempts: ${ending.attempts} }`;
  }
}

function expectedRetryError(ending: Extract<RetryEnding, { kind: 'gave-up' }>, impl: Impl) {
  const cause =
    'failure' in ending.cause
      ? identical(ending.cause.failure, 'the last failure')
      : ending.cause.refusal === 'observed'
        ? identical(ending.cause.error, "the breaker's refusal")
        : satisfies(
            `the breaker's CircuitOpenError with retryAfterMs ${ending.cause.refusal}`,
            refusalMatches(impl, ending.cause.refusal),
          );
  return {
    ok: false as const,
    error: {
      name: 'RetryError',
      code: 'ERR_RETRY_FAILED',
      fields: {
        reason: ending.reason,
        attempts: ending.attempts,
        errors: ending.errors.map((failure, index) => identical(failure, `the failure of attempt ${index + 1}`)),
        cause,
      },
    },
  };
}

export function refusalMatches(impl: Impl, retryAfterMs: number): (value: unknown) => boolean {
  return (value) =>
    value instanceof impl.CircuitOpenError &&
    (value as { code?: unknown }).code === 'ERR_CIRCUIT_OPEN' &&
    (value as { name?: unknown }).name === 'CircuitOpenError' &&
    (value as { retryAfterMs?: unknown }).retryAfterMs === retryAfterMs;
}

/** How one observed step differs from the model's, or undefined when it matches. */
function stepDifference(
  actual: Observed | undefined,
  expected: RetryStep,
  context: { readonly impl: Impl; readonly signal: AbortSignal | undefined; readonly lastOnRetry: unknown },
): string | undefined {
  const wanted = describeStep(expected);
  if (actual === undefined) return `retry() did nothing more, expected ${wanted}`;
  const got = describeObserved(actual);
  if (actual.kind !== expected.kind) return `retry() did ${got}, expected ${wanted}`;
  switch (expected.kind) {
    case 'acquire':
      return actual.kind === 'acquire' && actual.granted === expected.granted
        ? undefined
        : `${got}, expected ${wanted}`;
    case 'fn':
      return actual.kind === 'fn' && Object.is(actual.attempt, expected.attempt)
        ? undefined
        : `retry() called ${got}, expected ${wanted}`;
    case 'shouldRetry': {
      if (actual.kind !== 'shouldRetry') return undefined;
      if (!Object.is(actual.failure, expected.failure)) return `${got} was not handed the very value fn threw`;
      return Object.is(actual.attempt, expected.attempt) ? undefined : `${got}, expected ${wanted}`;
    }
    case 'onRetry': {
      if (actual.kind !== 'onRetry') return undefined;
      const event = actual.event as Record<string, unknown> | undefined;
      if (typeof event !== 'object' || event === null) return `onRetry was called with ${show(event)}`;
      if (!Object.is(event.attempt, expected.attempt)) return `${got}: attempt should be ${expected.attempt}`;
      if (!Object.is(event.error, expected.failure)) {
        return `onRetry's error was ${show(event.error, 60)}, not the very value attempt ${expected.attempt} threw`;
      }
      if (typeof event.delayMs !== 'number' || !within(event.delayMs, expected.delay)) {
        return `${got} after attempt ${expected.attempt}, expected delayMs ${showBounds(expected.delay)}`;
      }
      for (const key of Object.keys(event)) {
        if (!['attempt', 'error', 'delayMs'].includes(key) && event[key] !== undefined && event[key] !== null) {
          return `onRetry's event has a field ${key} the README does not list`;
        }
      }
      return undefined;
    }
    case 'sleep': {
      if (actual.kind !== 'sleep') return undefined;
      if (typeof actual.ms !== 'number' || !within(actual.ms, expected.delay)) {
        return `retry() slept ${typeof actual.ms === 'number' ? `${fmt(actual.ms)} ms` : show(actual.ms)}, expected ${showBounds(expected.delay)}`;
      }
      if (context.lastOnRetry !== undefined && context.lastOnRetry !== actual.ms) {
        return `onRetry announced delayMs ${show(context.lastOnRetry)} but retry() slept ${fmt(actual.ms)} ms`;
      }
      if (context.signal !== undefined && actual.signal !== context.signal) {
        return `sleep was handed ${show(actual.signal, 40)} as its signal, not the options' signal`;
      }
      return undefined;
    }
    case 'end': {
      if (actual.kind !== 'end') return undefined;
      const ending = expected.ending;
      const outcome = actual.outcome;
      if (ending.kind === 'resolved') {
        if (outcome.ok && Object.is(outcome.value, ending.value)) return undefined;
        return `retry() ${got}, expected it to ${wanted}`;
      }
      if (ending.kind === 'aborted') {
        if (!outcome.ok && Object.is(outcome.error, ending.reason)) return undefined;
        return `retry() ${got}, expected it to ${wanted}`;
      }
      const difference = outcomeDifference(outcome, expectedRetryError(ending, context.impl), context.impl);
      return difference === undefined ? undefined : `retry() ${difference}`;
    }
    default:
      return undefined;
  }
}

/** Compares a sequence of observed steps with expected ones; the index and reason of the first difference. */
function sequenceDifference(
  observed: readonly Observed[],
  expected: readonly RetryStep[],
  offset: number,
  context: { readonly impl: Impl; readonly signal: AbortSignal | undefined },
): { index: number; reason: string } | undefined {
  let lastOnRetry: unknown;
  for (let index = 0; index < expected.length; index++) {
    const actual = observed[offset + index];
    const reason = stepDifference(actual, expected[index]!, { ...context, lastOnRetry });
    if (reason !== undefined) return { index: offset + index, reason };
    if (actual?.kind === 'onRetry') lastOnRetry = (actual.event as { delayMs?: unknown } | undefined)?.delayMs;
    if (actual?.kind === 'sleep') lastOnRetry = undefined;
  }
  return undefined;
}

/**
 * How a recorded run differs from the model's run, in words (the first line a fact, then the
 * steps as recorded), or undefined when it is one of the runs the README allows.
 */
export function runDifference(result: DriveResult, run: RetryRun, impl: Impl, what: string): string | undefined {
  const context = { impl, signal: result.signal };
  const { observed } = result;
  const failure = (reason: string, index: number): string => {
    const steps = observed.map((step, at) => `${at === index ? '→ ' : ''}${describeObserved(step)}`).join('; ');
    const expected = [...run.steps, ...(run.endings[0] ?? [])].map(describeStep).join('; ');
    return `${reason} (${what})\n  recorded: ${steps || 'nothing'}\n  the README's run: ${expected}`;
  };
  if (result.stuck !== undefined) return failure(result.stuck, observed.length);
  if ((result.listenersLeft ?? 0) > 0) {
    return failure(
      `retry() left ${result.listenersLeft} abort listener(s) on the signal after it settled`,
      observed.length,
    );
  }
  const prefix = sequenceDifference(observed, run.steps, 0, context);
  if (prefix !== undefined) return failure(prefix.reason, prefix.index);
  let best: { index: number; reason: string } | undefined;
  for (const ending of run.endings) {
    const difference = sequenceDifference(observed, ending, run.steps.length, context);
    if (difference === undefined) {
      const extra = observed.length - run.steps.length - ending.length;
      if (extra === 0) return undefined;
      const next = observed[run.steps.length + ending.length]!;
      best ??= {
        index: run.steps.length + ending.length,
        reason: `retry() did ${describeObserved(next)} after it settled`,
      };
      continue;
    }
    if (best === undefined || difference.index > best.index) best = difference;
  }
  return failure(best!.reason, best!.index);
}

// ---------------------------------------------------------------------------------------------
// The model's world for a recorded call
// ---------------------------------------------------------------------------------------------

/** The shared objects' models a call meets, when the spec models them (else none are given). */
export interface ModelledShared {
  readonly budget?: BudgetModel | undefined;
  readonly breaker?: BreakerModel | undefined;
}

/**
 * The world of runRetry for a call the driver ran: the script's results are the very values fn
 * produced, the clock is the start plus the delays slept, and the budget and the breaker answer as
 * their models do at that time.
 */
export function worldOf(plan: CallPlan, result: DriveResult, shared: ModelledShared = {}): RetryWorld {
  const schedule = scheduleOf(plan.options as Parameters<typeof scheduleOf>[0]);
  const timeAfter = (sleepsDone: number): number =>
    result.slept
      .slice(0, sleepsDone)
      .reduce(
        (time, ms) => time + (typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : 0),
        result.startedAt,
      );
  let drawn = 0;
  let ticket: Ticket | undefined;
  const { budget, breaker } = shared;
  const abort = plan.signal?.abort;
  return {
    schedule,
    attempt: (attempt) => ({
      ok: plan.attempts[Math.min(attempt, plan.attempts.length) - 1]!.ok,
      value: result.values.has(attempt) ? result.values.get(attempt) : Symbol(`attempt ${attempt} never ran`),
    }),
    shouldRetry: plan.shouldRetry ? (_failure, attempt) => plan.shouldRetry!.answers[attempt - 1] ?? true : undefined,
    hasOnRetry: plan.onRetry,
    budget: budget && { recordCall: () => budget.recordCall(), acquire: () => budget.tryAcquireRetry() },
    breaker: breaker && {
      admit: (sleepsDone) => {
        const admission = breaker.admit(timeAfter(sleepsDone));
        if (!admission.admitted) return { admitted: false, refusal: admission.retryAfterMs };
        ticket = admission.ticket;
        return { admitted: true };
      },
      settle: (succeeded, sleepsDone) => breaker.settle(ticket!, succeeded, timeAfter(sleepsDone)),
    },
    now: timeAfter,
    draw: () => plan.draws[drawn++ % Math.max(1, plan.draws.length)] ?? 0.5,
    slept: result.slept.map((ms) => (typeof ms === 'number' ? ms : Number.NaN)),
    // The reason retry() must reject with is the signal's own (abort() without one makes an AbortError).
    abort: abort && result.signal ? { ...abort, reason: result.signal.reason } : abort,
  };
}
