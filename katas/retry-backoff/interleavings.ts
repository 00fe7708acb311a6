/**
 * Concurrency under fast-check's scheduler: several callers share one CircuitBreaker (and, through
 * retry(), one RetryBudget); the start of every call, every answer of the service and every sleep
 * is a scheduled task, so the scheduler picks the interleaving. Each call into the shared objects
 * is recorded with its invocation and return on one logical clock, and the history is checked for
 * linearizability against the model (model.ts): some order consistent with real time in which the
 * README's budget and breaker give every answer that was observed, state changes included.
 *
 * Between two scheduled tasks every microtask runs (a macrotask turn), so a task's effects on the
 * shared objects all happen while the clock stands still.
 */
import fc from 'fast-check';
import { describePlan } from './arbitraries.ts';
import {
  checkLinearizable,
  createHistory,
  settle,
  show,
  type History,
  type Outcome,
  type SequentialModel,
} from '../../harness/kit/index.ts';
import type * as Kata from './index.ts';
import {
  breakerAdmit,
  breakerDue,
  breakerNotice,
  breakerRead,
  breakerSettle,
  breakerStart,
  budgetRecordCall,
  budgetStart,
  budgetTryAcquire,
  runRetry,
  scheduleOf,
  type BreakerState,
  type BudgetState,
  type CircuitState,
  type ExpectedChange,
  type RetryWorld,
  type Ticket,
} from './model.ts';
import {
  attemptValue,
  flush,
  refusalMatches,
  runDifference,
  type CallPlan,
  type DriveResult,
  type Impl,
  type Observed,
} from './observe.ts';

export const START = Date.UTC(2026, 0, 1);

// ---------------------------------------------------------------------------------------------
// The breaker and the budget as sequential models of histories
// ---------------------------------------------------------------------------------------------

export type BreakerInput =
  | { readonly op: 'admit'; readonly call: number; readonly now: number }
  | {
      readonly op: 'finish';
      readonly call: number;
      readonly ok: boolean;
      readonly value: unknown;
      readonly now: number;
    }
  | { readonly op: 'state'; readonly now: number }
  | { readonly op: 'change'; readonly from: unknown; readonly to: unknown; readonly at: unknown }
  | { readonly op: 'end' };

interface BreakerHistoryState {
  readonly breaker: BreakerState;
  readonly tickets: Readonly<Record<string, Ticket>>;
  /** Changes the model made that the implementation has not reported yet. */
  readonly unreported: readonly ExpectedChange[];
}

const sameChange = (expected: ExpectedChange, input: Extract<BreakerInput, { op: 'change' }>): boolean =>
  expected.from === input.from &&
  expected.to === input.to &&
  typeof input.at === 'number' &&
  input.at >= expected.atLow &&
  input.at <= expected.atHigh;

/** The README's breaker over a history of admissions, settlements, state reads and reported changes. */
export function breakerHistoryModel(
  impl: Impl,
  options: Parameters<typeof breakerStart>[0],
): SequentialModel<BreakerHistoryState, BreakerInput, unknown> {
  return {
    init: () => ({ breaker: breakerStart(options), tickets: {}, unreported: [] }),
    step(state, input, outcome) {
      if (input.op === 'change') {
        const [next, ...rest] = state.unreported;
        if (next !== undefined) return sameChange(next, input) ? { ...state, unreported: rest } : undefined;
        // The open-to-half-open change may be noticed by any call, as long as it is due.
        if (
          input.from === 'open' &&
          input.to === 'half-open' &&
          typeof input.at === 'number' &&
          breakerDue(state.breaker, input.at)
        ) {
          const noticed = breakerNotice(state.breaker, input.at);
          return { ...state, breaker: noticed.state };
        }
        return undefined;
      }
      // Every change is reported as it happens, before anything else takes effect.
      if (state.unreported.length > 0) return undefined;
      switch (input.op) {
        case 'end':
          return state;
        case 'state': {
          const read = breakerRead(state.breaker, input.now);
          if (!outcome.ok || outcome.value !== read.result) return undefined;
          return { ...state, breaker: read.state, unreported: read.changes };
        }
        case 'admit': {
          const admission = breakerAdmit(state.breaker, input.now);
          const result = admission.result;
          if (result.admitted) {
            if (!outcome.ok || outcome.value !== 'admitted') return undefined;
            return {
              breaker: admission.state,
              tickets: { ...state.tickets, [input.call]: result.ticket },
              unreported: admission.changes,
            };
          }
          if (outcome.ok || !refusalMatches(impl, result.retryAfterMs)(outcome.error)) return undefined;
          return { ...state, breaker: admission.state, unreported: admission.changes };
        }
        case 'finish': {
          const ticket = state.tickets[input.call];
          if (ticket === undefined) return undefined;
          const passedThrough = input.ok
            ? outcome.ok && Object.is(outcome.value, input.value)
            : !outcome.ok && Object.is(outcome.error, input.value);
          if (!passedThrough) return undefined;
          const settled = breakerSettle(state.breaker, ticket, input.ok, input.now);
          const tickets = { ...state.tickets };
          delete tickets[input.call];
          return { breaker: settled.state, tickets, unreported: settled.changes };
        }
      }
    },
    describeInput: describeBreakerInput,
  };
}

export function describeBreakerInput(input: BreakerInput): string {
  switch (input.op) {
    case 'admit':
      return `execute #${input.call} asks to be let through (t = ${input.now - START})`;
    case 'finish':
      return `call #${input.call}'s fn ${input.ok ? 'succeeds' : 'fails'} (t = ${input.now - START})`;
    case 'state':
      return `breaker.state (t = ${input.now - START})`;
    case 'change':
      return `onStateChange(${show(input.from)} → ${show(input.to)}, at t = ${typeof input.at === 'number' ? input.at - START : show(input.at)})`;
    case 'end':
      return 'the end of the run';
  }
}

export type BudgetInput = { readonly op: 'recordCall' } | { readonly op: 'acquire' } | { readonly op: 'tokens' };

export const budgetHistoryModel = (
  options: Parameters<typeof budgetStart>[0],
): SequentialModel<BudgetState, BudgetInput, unknown> => ({
  init: () => budgetStart(options),
  step(state, input, outcome) {
    if (!outcome.ok) return undefined;
    switch (input.op) {
      case 'recordCall':
        return budgetRecordCall(state);
      case 'acquire': {
        const next = budgetTryAcquire(state);
        return outcome.value === next.granted ? next.state : undefined;
      }
      case 'tokens':
        return typeof outcome.value === 'number' && Math.abs(outcome.value - state.tokens) <= 1e-9 ? state : undefined;
    }
  },
  describeInput: (input) =>
    input.op === 'acquire'
      ? 'budget.tryAcquireRetry()'
      : input.op === 'tokens'
        ? 'budget.tokens'
        : 'budget.recordCall()',
});

/** Records an instantaneous call with two ticks around it, so it has a start and an end. */
function recordNow<I, O>(history: History<I, unknown>, process: string, input: I, call: () => O): O {
  const invokedAt = history.tick();
  let outcome: Outcome<unknown>;
  let value: O;
  try {
    value = call();
    outcome = { ok: true, value };
  } catch (error) {
    outcome = { ok: false, error };
    history.add({ process, input, invokedAt, returnedAt: history.tick(), outcome });
    throw error;
  }
  history.add({ process, input, invokedAt, returnedAt: history.tick(), outcome });
  return value;
}

/** Records each onStateChange as an instantaneous entry of the history. */
function changeRecorder(history: History<BreakerInput, unknown>): (change: Kata.CircuitStateChange) => void {
  return (change) => {
    const invokedAt = history.tick();
    history.add({
      process: 'breaker',
      input: { op: 'change', from: change?.from, to: change?.to, at: change?.at },
      invokedAt,
      returnedAt: history.tick(),
      outcome: { ok: true, value: undefined },
    });
  };
}

/** Runs the scheduler one task at a time, letting every microtask run in between. */
async function drain(scheduler: fc.Scheduler, limit = 2_000): Promise<void> {
  for (let step = 0; scheduler.count() > 0 && step < limit; step++) {
    await scheduler.waitNext(1);
    await flush(1);
  }
  await flush(2);
}

// ---------------------------------------------------------------------------------------------
// Several processes calling one breaker
// ---------------------------------------------------------------------------------------------

export type BreakerOp = 'ok' | 'fail' | 'read';

export interface BreakerRace {
  readonly options: Parameters<typeof breakerStart>[0];
  /** Each process's calls, made one after the other. */
  readonly processes: readonly (readonly BreakerOp[])[];
  /** The clock moves by these amounts, as scheduled tasks of their own. */
  readonly advances: readonly number[];
}

/** Runs the race and returns why its history is not linearizable, or undefined. */
export async function raceBreaker(impl: Impl, race: BreakerRace, scheduler: fc.Scheduler): Promise<string | undefined> {
  const clock = { now: START };
  const history = createHistory<BreakerInput, unknown>();
  const breaker = new impl.CircuitBreaker({
    ...race.options,
    now: () => clock.now,
    onStateChange: changeRecorder(history),
  });
  let calls = 0;
  let finished = 0;
  const processes = race.processes.map(async (ops, index) => {
    const process = `p${index}`;
    for (const op of ops) {
      await scheduler.schedule(
        Promise.resolve(),
        `${process} starts ${op === 'read' ? 'a state read' : `a call that will ${op === 'ok' ? 'succeed' : 'fail'}`}`,
      );
      if (op === 'read') {
        recordNow(history, process, { op: 'state', now: clock.now }, () => breaker.state as unknown);
        continue;
      }
      const call = ++calls;
      const value = op === 'ok' ? { call } : Object.assign(new Error(`call #${call} failed`), { call });
      const now = clock.now;
      const invokedAt = history.tick();
      let admitted = false;
      let finish: { invokedAt: number; now: number } | undefined;
      const fn = (): Promise<unknown> => {
        admitted = true;
        history.add({
          process,
          input: { op: 'admit', call, now },
          invokedAt,
          returnedAt: history.tick(),
          outcome: { ok: true, value: 'admitted' },
        });
        return scheduler
          .schedule(Promise.resolve(), `call #${call}'s fn ${op === 'ok' ? 'succeeds' : 'fails'}`)
          .then(() => {
            finish = { invokedAt: history.tick(), now: clock.now };
            if (op === 'fail') throw value;
            return value;
          });
      };
      const outcome = await settle(() => breaker.execute(fn));
      const returnedAt = history.tick();
      if (!admitted) history.add({ process, input: { op: 'admit', call, now }, invokedAt, returnedAt, outcome });
      else if (finish) {
        history.add({
          process,
          input: { op: 'finish', call, ok: op === 'ok', value, now: finish.now },
          invokedAt: finish.invokedAt,
          returnedAt,
          outcome,
        });
      }
    }
    finished++;
  });
  const ticking = (async () => {
    for (const delta of race.advances) {
      await scheduler.schedule(Promise.resolve(), `the clock moves ${delta} ms`);
      clock.now += delta;
    }
  })();
  await drain(scheduler);
  void processes;
  void ticking;
  if (finished < race.processes.length) {
    return `${race.processes.length - finished} process(es) never got an answer from breaker.execute`;
  }
  const endAt = history.tick();
  history.add({
    process: 'end',
    input: { op: 'end' },
    invokedAt: endAt,
    returnedAt: history.tick(),
    outcome: { ok: true, value: undefined },
  });
  const verdict = checkLinearizable(history.operations, breakerHistoryModel(impl, race.options));
  return verdict.ok ? undefined : verdict.message;
}

// ---------------------------------------------------------------------------------------------
// Several retry() callers sharing one budget and one breaker
// ---------------------------------------------------------------------------------------------

export interface SharedCaller {
  readonly plan: CallPlan;
  readonly useBudget: boolean;
  readonly useBreaker: boolean;
}

export interface SharedRace {
  readonly budget: Parameters<typeof budgetStart>[0];
  readonly breaker: Parameters<typeof breakerStart>[0];
  readonly callers: readonly SharedCaller[];
  /** Reads of budget.tokens and breaker.state by a bystander, as scheduled tasks. */
  readonly reads: readonly ('tokens' | 'state')[];
}

/** One breaker.execute made by a retry() caller, and when and how its fn answered. */
interface BreakerCall {
  readonly call: number;
  finish?: { readonly invokedAt: number; readonly now: number; readonly ok: boolean; readonly value: unknown };
}

interface CallerRecord {
  readonly observed: Observed[];
  readonly values: Map<number, unknown>;
  /** The clock when each attempt's answer arrived. */
  readonly answeredAt: Map<number, number>;
  readonly slept: number[];
  readonly acquired: boolean[];
  readonly admissions: ({ admitted: true } | { admitted: false; error: unknown })[];
  settled: boolean;
}

/** Runs the callers under the scheduler; returns the first way the run breaks the README, or undefined. */
export async function raceSharedCallers(
  impl: Impl,
  race: SharedRace,
  scheduler: fc.Scheduler,
): Promise<string | undefined> {
  const clock = { now: START };
  const budgetHistory = createHistory<BudgetInput, unknown>();
  const breakerHistory = createHistory<BreakerInput, unknown>();
  const records = race.callers.map((): CallerRecord => ({
    observed: [],
    values: new Map(),
    answeredAt: new Map(),
    slept: [],
    acquired: [],
    admissions: [],
    settled: false,
  }));
  let active = -1;

  const budget = new impl.RetryBudget(race.budget);
  const recordCall = budget.recordCall.bind(budget);
  const tryAcquireRetry = budget.tryAcquireRetry.bind(budget);
  Object.assign(budget, {
    recordCall() {
      records[active]?.observed.push({ kind: 'recordCall' });
      recordNow(budgetHistory, `caller ${active}`, { op: 'recordCall' }, () => recordCall());
    },
    tryAcquireRetry() {
      const granted = recordNow(
        budgetHistory,
        `caller ${active}`,
        { op: 'acquire' },
        () => tryAcquireRetry() as unknown,
      );
      records[active]?.observed.push({ kind: 'acquire', granted });
      records[active]?.acquired.push(granted === true);
      return granted;
    },
  });

  // The breaker's time is the budget-independent shared clock; its changes join its history.
  const breaker = new impl.CircuitBreaker({
    ...race.breaker,
    now: () => clock.now,
    onStateChange: changeRecorder(breakerHistory),
  });
  const execute = breaker.execute.bind(breaker);
  let calls = 0;
  /** The breaker call the next scripted fn answers for, set while execute lets it through. */
  let letThrough: BreakerCall | undefined;
  Object.assign(breaker, {
    execute(fn: () => unknown) {
      const caller = active;
      const record = records[caller];
      record?.observed.push({ kind: 'execute' });
      const call = ++calls;
      const now = clock.now;
      const invokedAt = breakerHistory.tick();
      const entry: BreakerCall = { call };
      let admitted = false;
      const result = execute(() => {
        admitted = true;
        record?.admissions.push({ admitted: true });
        breakerHistory.add({
          process: `caller ${caller}`,
          input: { op: 'admit', call, now },
          invokedAt,
          returnedAt: breakerHistory.tick(),
          outcome: { ok: true, value: 'admitted' },
        });
        letThrough = entry;
        try {
          return fn();
        } finally {
          letThrough = undefined;
        }
      });
      void settle(() => result).then((outcome) => {
        const returnedAt = breakerHistory.tick();
        if (!admitted) {
          record?.admissions.push({ admitted: false, error: outcome.ok ? undefined : outcome.error });
          breakerHistory.add({
            process: `caller ${caller}`,
            input: { op: 'admit', call, now },
            invokedAt,
            returnedAt,
            outcome,
          });
        } else if (entry.finish) {
          const { invokedAt: answeredAt, now: answeredNow, ok, value } = entry.finish;
          breakerHistory.add({
            process: `caller ${caller}`,
            input: { op: 'finish', call, ok, value, now: answeredNow },
            invokedAt: answeredAt,
            returnedAt,
            outcome,
          });
        }
      });
      return result;
    },
  });

  const started = race.callers.map(async ({ plan, useBudget, useBreaker }, caller) => {
    const record = records[caller]!;
    await scheduler.schedule(Promise.resolve(), `caller ${caller} calls retry()`);
    active = caller;
    const fn = (attempt: number): Promise<unknown> => {
      record.observed.push({ kind: 'fn', attempt });
      const index = typeof attempt === 'number' && attempt >= 1 ? attempt : 0;
      const attemptPlan = plan.attempts[Math.min(index, plan.attempts.length) - 1]!;
      const entry = letThrough;
      return scheduler
        .schedule(Promise.resolve(), `caller ${caller}'s attempt ${index} ${attemptPlan.ok ? 'succeeds' : 'fails'}`)
        .then(() => {
          active = caller;
          const value = attemptValue(attemptPlan, index, clock.now);
          record.values.set(index, value);
          record.answeredAt.set(index, clock.now);
          if (entry) entry.finish = { invokedAt: breakerHistory.tick(), now: clock.now, ok: attemptPlan.ok, value };
          if (!attemptPlan.ok) throw value;
          return value;
        });
    };
    const sleep = (ms: number): Promise<void> => {
      record.observed.push({ kind: 'sleep', ms, signal: undefined });
      record.slept.push(ms);
      const from = clock.now;
      return scheduler.schedule(Promise.resolve(), `caller ${caller} wakes from ${String(ms)} ms`).then(() => {
        active = caller;
        if (typeof ms === 'number' && Number.isFinite(ms) && ms > 0) clock.now = Math.max(clock.now, from + ms);
        record.observed.push({ kind: 'sleep-end' });
      });
    };
    const draws = plan.draws;
    let drawn = 0;
    const options: Record<string, unknown> = {
      ...plan.options,
      now: () => clock.now,
      sleep,
      random: () => draws[drawn++ % Math.max(1, draws.length)] ?? 0.5,
    };
    if (plan.onRetry) options.onRetry = (event: unknown) => record.observed.push({ kind: 'onRetry', event });
    if (plan.shouldRetry) {
      const { answers, async } = plan.shouldRetry;
      options.shouldRetry = (failure: unknown, attempt: number) => {
        record.observed.push({ kind: 'shouldRetry', failure, attempt });
        const answer = answers[attempt - 1] ?? true;
        return async[attempt - 1] ? Promise.resolve(answer) : answer;
      };
    }
    if (useBudget) options.budget = budget;
    if (useBreaker) options.breaker = breaker;
    const outcome = await settle(() => impl.retry(fn, options as Kata.RetryOptions));
    record.observed.push({ kind: 'end', outcome });
    record.settled = true;
  });
  const bystander = (async () => {
    for (const read of race.reads) {
      await scheduler.schedule(
        Promise.resolve(),
        `a bystander reads ${read === 'tokens' ? 'budget.tokens' : 'breaker.state'}`,
      );
      if (read === 'tokens') recordNow(budgetHistory, 'bystander', { op: 'tokens' }, () => budget.tokens as unknown);
      else recordNow(breakerHistory, 'bystander', { op: 'state', now: clock.now }, () => breaker.state as unknown);
    }
  })();
  await drain(scheduler);
  void started;
  void bystander;

  const unsettled = records.filter((record) => !record.settled).length;
  if (unsettled > 0) return `${unsettled} of ${records.length} retry() call(s) never settled`;

  const budgetVerdict = checkLinearizable(budgetHistory.operations, budgetHistoryModel(race.budget));
  if (!budgetVerdict.ok) return `the shared budget's answers: ${budgetVerdict.message}`;
  const endAt = breakerHistory.tick();
  breakerHistory.add({
    process: 'end',
    input: { op: 'end' },
    invokedAt: endAt,
    returnedAt: breakerHistory.tick(),
    outcome: { ok: true, value: undefined },
  });
  const breakerVerdict = checkLinearizable(breakerHistory.operations, breakerHistoryModel(impl, race.breaker));
  if (!breakerVerdict.ok) return `the shared breaker's answers: ${breakerVerdict.message}`;

  for (const [index, { plan, useBudget, useBreaker }] of race.callers.entries()) {
    const record = records[index]!;
    const result: DriveResult = {
      observed: record.observed,
      values: record.values,
      nowAtCall: new Map(),
      slept: record.slept,
      signal: undefined,
      stuck: undefined,
      startedAt: START,
    };
    const difference = runDifference(
      result,
      runRetry(replayWorld(plan, record, useBudget, useBreaker)),
      impl,
      `caller ${index} of ${race.callers.length}: ${describePlan(plan)}`,
    );
    if (difference !== undefined) return difference;
  }
  return undefined;
}

/** One caller's world, answered by what the shared budget and breaker actually said to it. */
function replayWorld(plan: CallPlan, record: CallerRecord, useBudget: boolean, useBreaker: boolean): RetryWorld {
  let acquired = 0;
  let admitted = 0;
  let drawn = 0;
  return {
    schedule: scheduleOf(plan.options as Parameters<typeof scheduleOf>[0]),
    attempt: (attempt) => ({
      ok: plan.attempts[Math.min(attempt, plan.attempts.length) - 1]!.ok,
      value: record.values.has(attempt) ? record.values.get(attempt) : Symbol(`attempt ${attempt} never ran`),
    }),
    shouldRetry: plan.shouldRetry ? (_failure, attempt) => plan.shouldRetry!.answers[attempt - 1] ?? true : undefined,
    hasOnRetry: plan.onRetry,
    budget: useBudget ? { recordCall: () => {}, acquire: () => record.acquired[acquired++] ?? false } : undefined,
    breaker: useBreaker
      ? {
          admit: () => {
            const admission = record.admissions[admitted++];
            if (admission === undefined || admission.admitted) return { admitted: true };
            return { admitted: false, refusal: 'observed', error: admission.error };
          },
          settle: () => {},
        }
      : undefined,
    now: (sleepsDone) => record.answeredAt.get(sleepsDone + 1) ?? START,
    draw: () => plan.draws[drawn++ % Math.max(1, plan.draws.length)] ?? 0.5,
    slept: record.slept,
    abort: undefined,
  };
}

export type { CircuitState };
