/**
 * The model as the linearizability checker needs it: an operation is plain data (so worker
 * threads can run it and send it back), and `step` says which state follows a recorded outcome,
 * or that the outcome is impossible there. Tokens the implementation issues within a history are
 * tracked per key, so a reused token is impossible too.
 */
import { outcomeDifference, type ErrorClasses, type Outcome, type SequentialModel } from '../../harness/kit/index.ts';
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

export function describeInput(input: HistoryInput): string {
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

export function historyModel(
  initial: HistoryState,
  options: model.QueueModelOptions,
  now: number,
  classes: ErrorClasses,
): SequentialModel<HistoryState, HistoryInput, unknown> {
  return {
    init: () => initial,
    describeInput,
    step(state, input, outcome: Outcome<unknown>) {
      if (input.kind === 'init') return outcome.ok ? state : undefined;
      const operation = toOperation(input)!;
      const tokens = new Map(Object.entries(state.tokens).map(([key, list]) => [key, new Set(list)]));
      const thrownValue = input.kind === 'fail' ? THROWN_VALUES[input.thrown]!.make() : undefined;
      const prediction = predict(state.queue, options, now, operation, tokens, thrownValue);
      if (outcomeDifference(outcome, prediction.expected, classes) !== undefined) return undefined;
      if (prediction.claims === undefined || !outcome.ok) return { queue: prediction.next, tokens: state.tokens };
      const nextTokens: Record<string, readonly string[]> = { ...state.tokens };
      for (const claimed of outcome.value as Kata.ClaimedJob[]) {
        nextTokens[claimed.key] = [...(nextTokens[claimed.key] ?? []), claimed.token].sort();
      }
      return { queue: prediction.next, tokens: nextTokens };
    },
  };
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
