/**
 * The model as the linearizability checker needs it: an operation is plain data (so worker
 * threads can run it and send it back), and `step` says which state follows a recorded outcome,
 * or that the outcome is impossible there. Tokens the implementation issues within a history are
 * tracked per key, so a reused token is impossible too.
 *
 * A claim of several jobs is checked in parts (rule claim-exclusive): it need not take its jobs
 * at one instant. `FOR UPDATE SKIP LOCKED` takes them row by row, so two concurrent claims can pass
 * over each other's rows (one takes the first and third due job, the other the second), which no
 * order of two whole claims explains. Each job a claim resolved must have been the first due job at
 * some instant during the call, in the order resolved, and a claim that came back short must have
 * met an instant after its last job when none was left.
 */
import {
  assertLinearizable,
  outcomeDifference,
  type ErrorClasses,
  type Operation as Recorded,
  type Outcome,
  type SequentialModel,
} from '../../harness/kit/index.ts';
import { predict, type KnownClaim, type Operation } from './expectations.ts';
import { THROWN_VALUES } from './thrown.ts';
import type { ClaimData, HistoryInput } from './history-input.ts';
import * as model from './model.ts';
import type * as Kata from './index.ts';

export interface HistoryState {
  readonly queue: model.QueueState;
  /** Tokens issued so far, per key (sorted, for a stable memo key). */
  readonly tokens: Record<string, readonly string[]>;
}

/** One part of a claim that resolved: one job it took, or the instant it found no more due. */
export interface ClaimPart {
  readonly instance: string;
  readonly kind: 'claim-part';
  readonly workerId: string;
  readonly limit: number;
  /** The whole claim's position in the history: its parts are placed in order. */
  readonly call: number;
  /** 0 to taken - 1: the jobs in the order resolved; `taken` (when taken < limit): none was left. */
  readonly part: number;
  readonly taken: number;
}

export type CheckedInput = HistoryInput | ClaimPart;

interface CheckState extends HistoryState {
  /** Per claim in progress (by `call`), the next part to place. */
  readonly parts: Record<string, number>;
}

function knownClaim(data: ClaimData): KnownClaim {
  const { actual } = data;
  return {
    actual,
    model: {
      key: actual.key,
      payload: actual.payload,
      priority: actual.priority,
      attempt: actual.attempt,
      workerId: actual.workerId,
      claimedAt: actual.claimedAt,
      leaseExpiresAt: actual.leaseExpiresAt,
      token: data.modelToken,
    },
  };
}

export function toOperation(input: HistoryInput): Operation | undefined {
  switch (input.kind) {
    case 'enqueue':
      return { kind: 'enqueue', key: input.key, payload: input.payload, options: { priority: input.priority } };
    case 'claim':
      return { kind: 'claim', workerId: input.workerId, limit: input.limit };
    case 'complete':
    case 'release':
      return { kind: input.kind, claim: knownClaim(input.claim) };
    case 'fail':
      return { kind: 'fail', claim: knownClaim(input.claim), thrown: THROWN_VALUES[input.thrown]! };
    case 'replay':
    case 'getJob':
      return { kind: input.kind, key: input.key };
    case 'stats':
    case 'listDeadLetters':
      return { kind: input.kind };
    case 'init':
      return undefined;
  }
}

export function describeInput(input: CheckedInput): string {
  if (input.kind === 'claim-part') {
    const call = `${input.instance}.claim(${JSON.stringify(input.workerId)}, ${input.limit})`;
    return input.part < input.taken
      ? `${call}, job ${input.part + 1} of the ${input.taken} it resolved`
      : `${call}, came back with ${input.taken}: none left`;
  }
  const base = `${input.instance}.${input.kind}`;
  switch (input.kind) {
    case 'enqueue':
      return `${base}(${JSON.stringify(input.key)}, ${JSON.stringify(input.payload)}, { priority: ${input.priority} })`;
    case 'claim':
      return `${base}(${JSON.stringify(input.workerId)}, ${input.limit})`;
    case 'complete':
    case 'release':
    case 'fail':
      return `${base}(claim of ${JSON.stringify(input.claim.actual.key)} attempt ${input.claim.actual.attempt})`;
    case 'replay':
    case 'getJob':
      return `${base}(${JSON.stringify(input.key)})`;
    default:
      return `${base}()`;
  }
}

/**
 * Every claim that resolved a list, as its parts (see the top of this file); every other call as
 * it was. A claim that rejected, never returned, or resolved more than `limit` is left whole.
 */
export function claimsInParts(
  operations: readonly Recorded<HistoryInput, unknown>[],
): Recorded<CheckedInput, unknown>[] {
  const checked: Recorded<CheckedInput, unknown>[] = [];
  const add = (operation: Omit<Recorded<CheckedInput, unknown>, 'index'>) =>
    checked.push({ ...operation, index: checked.length });
  for (const operation of operations) {
    const { input, outcome } = operation;
    if (
      input.kind !== 'claim' ||
      outcome === undefined ||
      !outcome.ok ||
      !Array.isArray(outcome.value) ||
      outcome.value.length > input.limit
    ) {
      add(operation);
      continue;
    }
    const jobs: readonly unknown[] = outcome.value;
    const parts = jobs.length < input.limit ? jobs.length + 1 : jobs.length;
    for (let part = 0; part < parts; part++) {
      add({
        ...operation,
        input: { ...input, kind: 'claim-part', call: operation.index, part, taken: jobs.length },
        outcome: { ok: true, value: part < jobs.length ? [jobs[part]] : [] },
      });
    }
  }
  return checked;
}

export function historyModel(
  initial: HistoryState,
  options: model.QueueModelOptions,
  now: number,
  classes: ErrorClasses,
): SequentialModel<CheckState, CheckedInput, unknown> {
  return {
    init: () => ({ ...initial, parts: {} }),
    describeInput,
    step(state, input, outcome: Outcome<unknown>) {
      if (input.kind === 'init') return outcome.ok ? state : undefined;
      let parts = state.parts;
      let operation: Operation | undefined;
      if (input.kind === 'claim-part') {
        const call = String(input.call);
        if ((parts[call] ?? 0) !== input.part) return undefined;
        const last = input.taken < input.limit ? input.taken : input.taken - 1;
        parts = { ...parts };
        if (input.part === last) delete parts[call];
        else parts[call] = input.part + 1;
        // Each part is the claim of one job at its own instant: the first due job then, or none.
        operation = { kind: 'claim', workerId: input.workerId, limit: 1 };
      } else operation = toOperation(input)!;
      const tokens = new Map(Object.entries(state.tokens).map(([key, list]) => [key, new Set(list)]));
      const thrownValue = input.kind === 'fail' ? THROWN_VALUES[input.thrown]!.make() : undefined;
      const prediction = predict(state.queue, options, now, operation, tokens, thrownValue);
      if (outcomeDifference(outcome, prediction.expected, classes) !== undefined) return undefined;
      if (prediction.claims === undefined || !outcome.ok)
        return { queue: prediction.next, tokens: state.tokens, parts };
      const nextTokens: Record<string, readonly string[]> = { ...state.tokens };
      for (const claimed of outcome.value as Kata.ClaimedJob[]) {
        nextTokens[claimed.key] = [...(nextTokens[claimed.key] ?? []), claimed.token].sort();
      }
      return { queue: prediction.next, tokens: nextTokens, parts };
    },
  };
}

/** Throws, showing the history, when no order of its calls (claims in parts) the model accepts. */
export function assertQueueLinearizable(
  operations: readonly Recorded<HistoryInput, unknown>[],
  initial: HistoryState,
  options: model.QueueModelOptions,
  now: number,
  classes: ErrorClasses,
): void {
  assertLinearizable(claimsInParts(operations), historyModel(initial, options, now, classes));
}

/** Rebuilds an error that crossed a thread boundary, as the module's own class where it has one. */
export function reviveError(
  impl: typeof Kata,
  data: { name: string; message: string; code?: string; key?: string; status?: string },
): Error {
  let error: Error;
  if (data.name === 'JobNotFoundError' && data.key !== undefined) error = new impl.JobNotFoundError(data.key);
  else if (data.name === 'JobNotDeadError' && data.key !== undefined) {
    error = new impl.JobNotDeadError(data.key, data.status as Kata.JobStatus);
  } else if (data.name === 'TypeError') error = new TypeError(data.message);
  else if (data.name === 'RangeError') error = new RangeError(data.message);
  else {
    error = new Error(data.message);
    error.name = data.name;
  }
  Object.defineProperty(error, 'message', { value: data.message });
  if (data.code !== undefined && (error as { code?: unknown }).code !== data.code) {
    Object.defineProperty(error, 'code', { value: data.code });
  }
  return error;
}
