/**
 * The model's answers as the kit's expectations: what each call must resolve (or reject) with, in
 * full, for one operation on a model state. Shared by the model-based sequences, the fault checks
 * and the linearizability checks, so every check judges a call the same way.
 */
import fc from 'fast-check';
import { expectError, expectValue, satisfies, show, type Expected } from '../../harness/kit/index.ts';
import * as model from './model.ts';
import type { Queue, Thrown } from './fixtures.ts';
import type * as Kata from './index.ts';

/** A claim the spec has seen: the implementation's object and the model's claim it stands for. */
export interface KnownClaim {
  readonly actual: Kata.ClaimedJob;
  readonly model: model.ModelClaim;
}

/** Tokens seen so far, per key: a new claim's token must be none of them. */
export type TokensSeen = Map<string, Set<string>>;

export function freshToken(tokens: TokensSeen, key: string): unknown {
  const seen = tokens.get(key) ?? new Set<string>();
  return satisfies(
    `a non-empty string token never issued before for job ${show(key)} (seen: ${show([...seen])})`,
    (value) => typeof value === 'string' && value !== '' && !seen.has(value),
  );
}

export function rememberToken(tokens: TokensSeen, key: string, token: string): void {
  const seen = tokens.get(key) ?? new Set<string>();
  seen.add(token);
  tokens.set(key, seen);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The message names the key: as given, or JSON-quoted. */
export function mentionsKey(key: string): RegExp {
  return new RegExp(`${escapeRegExp(key)}|${escapeRegExp(JSON.stringify(key))}`, 'u');
}

/** One operation of the queue API, as data: what a command, a fault step or a history runs. */
export type Operation =
  | { readonly kind: 'enqueue'; readonly key: string; readonly payload: string; readonly options?: Kata.EnqueueOptions }
  | { readonly kind: 'getJob'; readonly key: string }
  | { readonly kind: 'stats' }
  | { readonly kind: 'listDeadLetters' }
  | { readonly kind: 'claim'; readonly workerId: string; readonly limit: number | undefined }
  | { readonly kind: 'complete'; readonly claim: KnownClaim }
  | { readonly kind: 'fail'; readonly claim: KnownClaim; readonly thrown: Thrown }
  | { readonly kind: 'release'; readonly claim: KnownClaim }
  | { readonly kind: 'replay'; readonly key: string };

export function describeOperation(operation: Operation): string {
  switch (operation.kind) {
    case 'enqueue':
      return `enqueue(${show(operation.key)}, ${show(operation.payload)}${operation.options === undefined ? '' : `, ${show(operation.options)}`})`;
    case 'getJob':
      return `getJob(${show(operation.key)})`;
    case 'stats':
      return 'stats()';
    case 'listDeadLetters':
      return 'listDeadLetters()';
    case 'claim':
      return `claim(${show(operation.workerId)}${operation.limit === undefined ? '' : `, ${operation.limit}`})`;
    case 'complete':
      return `complete(claim of ${show(operation.claim.actual.key)} attempt ${operation.claim.actual.attempt})`;
    case 'fail':
      return `fail(claim of ${show(operation.claim.actual.key)} attempt ${operation.claim.actual.attempt}, ${operation.thrown.label})`;
    case 'release':
      return `release(claim of ${show(operation.claim.actual.key)} attempt ${operation.claim.actual.attempt})`;
    case 'replay':
      return `replayDeadLetter(${show(operation.key)})`;
  }
}

/** Calls the operation on a queue. Thrown values are made fresh for each call. */
export function perform(queue: Queue, operation: Operation, thrownValue?: unknown): Promise<unknown> {
  switch (operation.kind) {
    case 'enqueue':
      return operation.options === undefined
        ? queue.enqueue(operation.key, operation.payload)
        : queue.enqueue(operation.key, operation.payload, operation.options);
    case 'getJob':
      return queue.getJob(operation.key);
    case 'stats':
      return queue.stats();
    case 'listDeadLetters':
      return queue.listDeadLetters();
    case 'claim':
      return operation.limit === undefined
        ? queue.claim(operation.workerId)
        : queue.claim(operation.workerId, operation.limit);
    case 'complete':
      return queue.complete(operation.claim.actual);
    case 'fail':
      return queue.fail(operation.claim.actual, thrownValue);
    case 'release':
      return queue.release(operation.claim.actual);
    case 'replay':
      return queue.replayDeadLetter(operation.key);
  }
}

export interface Prediction {
  readonly expected: Expected<unknown>;
  /** The model state after the call, if it resolves as expected. */
  readonly next: model.QueueState;
  /** New claims to remember once the actual ones are seen (a claim's answer). */
  readonly claims?: readonly model.ModelClaim[];
}

/** What the operation must do on `state` at `now` (the state itself is not changed). */
export function predict(
  state: model.QueueState,
  options: model.QueueModelOptions,
  now: number,
  operation: Operation,
  tokens: TokensSeen,
  thrownValue?: unknown,
): Prediction {
  const next = model.cloneQueue(state);
  switch (operation.kind) {
    case 'enqueue': {
      const priority = operation.options?.priority ?? 0;
      const delayMs = operation.options?.delayMs ?? 0;
      const answer = model.enqueue(next, options, now, operation.key, operation.payload, priority, delayMs);
      return { expected: expectValue(answer), next };
    }
    case 'getJob':
      return { expected: expectValue(model.getJob(next, options, now, operation.key)), next };
    case 'stats':
      return { expected: expectValue(model.stats(next, options, now)), next };
    case 'listDeadLetters':
      return { expected: expectValue(model.deadLetters(next, options, now)), next };
    case 'claim': {
      const claims = model.claim(next, options, now, operation.workerId, operation.limit ?? 1);
      const expected = expectValue(claims.map((claim) => ({ ...claim, token: freshToken(tokens, claim.key) })));
      return { expected, next, claims };
    }
    case 'complete': {
      const { key, token } = operation.claim.model;
      return { expected: expectValue(model.complete(next, options, now, key, token)), next };
    }
    case 'fail': {
      const { key, token } = operation.claim.model;
      const text = model.errorText(thrownValue);
      return { expected: expectValue(model.fail(next, options, now, key, token, text)), next };
    }
    case 'release': {
      const { key, token } = operation.claim.model;
      return { expected: expectValue(model.release(next, options, now, key, token)), next };
    }
    case 'replay': {
      const answer = model.replay(next, options, now, operation.key);
      if (answer.ok) return { expected: expectValue(answer.job), next };
      const fields: Record<string, unknown> = { key: operation.key };
      if (answer.status !== undefined) fields.status = answer.status;
      return {
        expected: expectError(answer.error, {
          code: answer.error === 'JobNotFoundError' ? 'JOB_NOT_FOUND' : 'JOB_NOT_DEAD',
          fields,
          mentions: [mentionsKey(operation.key)],
        }),
        next: model.cloneQueue(state),
      };
    }
  }
}

/** After a claim resolved as predicted: the pairs of actual and model claims. */
export function pairClaims(actual: unknown, claims: readonly model.ModelClaim[]): KnownClaim[] {
  const list = actual as Kata.ClaimedJob[];
  return claims.map((claim, index) => ({ actual: list[index]!, model: claim }));
}

// ---------------------------------------------------------------------------------------------
// Bad input: every case the README lists, with what the error must be and mention.
// ---------------------------------------------------------------------------------------------

export interface BadCall {
  readonly describe: string;
  readonly call: (queue: Queue) => unknown;
  readonly error: 'TypeError' | 'RangeError';
  readonly mentions: readonly string[];
}

const someClaim = { key: 'otp-1', token: 'x' };
const looseQueue = (queue: Queue) => queue as unknown as Record<string, (...args: unknown[]) => unknown>;

function keyCases(method: 'getJob' | 'replayDeadLetter'): BadCall[] {
  return [
    { describe: `${method}(42)`, call: (q) => looseQueue(q)[method]!(42), error: 'TypeError', mentions: ['key', '42'] },
    {
      describe: `${method}(undefined)`,
      call: (q) => looseQueue(q)[method]!(undefined),
      error: 'TypeError',
      mentions: ['key'],
    },
    { describe: `${method}(null)`, call: (q) => looseQueue(q)[method]!(null), error: 'TypeError', mentions: ['key'] },
    { describe: `${method}('')`, call: (q) => looseQueue(q)[method]!(''), error: 'RangeError', mentions: ['key'] },
  ];
}

function claimRefCases(method: 'complete' | 'fail' | 'release'): BadCall[] {
  const call =
    (ref: unknown) =>
    (q: Queue): unknown =>
      method === 'fail' ? looseQueue(q).fail!(ref, new Error('x')) : looseQueue(q)[method]!(ref);
  return [
    { describe: `${method}(undefined)`, call: call(undefined), error: 'TypeError', mentions: ['claim'] },
    { describe: `${method}(null)`, call: call(null), error: 'TypeError', mentions: ['claim'] },
    { describe: `${method}('otp-1')`, call: call('otp-1'), error: 'TypeError', mentions: ['claim'] },
    { describe: `${method}({ token: 'x' })`, call: call({ token: 'x' }), error: 'TypeError', mentions: ['key'] },
    {
      describe: `${method}({ key: 7, token: 'x' })`,
      call: call({ key: 7, token: 'x' }),
      error: 'TypeError',
      mentions: ['key', '7'],
    },
    { describe: `${method}({ key: 'otp-1' })`, call: call({ key: 'otp-1' }), error: 'TypeError', mentions: ['token'] },
    {
      describe: `${method}({ key: 'otp-1', token: 12 })`,
      call: call({ key: 'otp-1', token: 12 }),
      error: 'TypeError',
      mentions: ['token', '12'],
    },
  ];
}

export const BAD_CALLS: readonly BadCall[] = [
  {
    describe: "enqueue(5, 'p')",
    call: (q) => looseQueue(q).enqueue!(5, 'p'),
    error: 'TypeError',
    mentions: ['key', '5'],
  },
  {
    describe: "enqueue(undefined, 'p')",
    call: (q) => looseQueue(q).enqueue!(undefined, 'p'),
    error: 'TypeError',
    mentions: ['key'],
  },
  { describe: "enqueue('', 'p')", call: (q) => q.enqueue('', 'p'), error: 'RangeError', mentions: ['key'] },
  {
    describe: "enqueue('k', 12)",
    call: (q) => looseQueue(q).enqueue!('k', 12),
    error: 'TypeError',
    mentions: ['payload', '12'],
  },
  {
    describe: "enqueue('k', undefined)",
    call: (q) => looseQueue(q).enqueue!('k', undefined),
    error: 'TypeError',
    mentions: ['payload'],
  },
  {
    describe: "enqueue('k', { to: 'a' })",
    call: (q) => looseQueue(q).enqueue!('k', { to: 'a' }),
    error: 'TypeError',
    mentions: ['payload'],
  },
  {
    describe: "enqueue('k', 'p', 5)",
    call: (q) => looseQueue(q).enqueue!('k', 'p', 5),
    error: 'TypeError',
    mentions: ['options', '5'],
  },
  {
    describe: "enqueue('k', 'p', null)",
    call: (q) => looseQueue(q).enqueue!('k', 'p', null),
    error: 'TypeError',
    mentions: ['options'],
  },
  {
    describe: "enqueue('k', 'p', { priority: '1' })",
    call: (q) => looseQueue(q).enqueue!('k', 'p', { priority: '1' }),
    error: 'TypeError',
    mentions: ['priority', '1'],
  },
  {
    describe: "enqueue('k', 'p', { priority: null })",
    call: (q) => looseQueue(q).enqueue!('k', 'p', { priority: null }),
    error: 'TypeError',
    mentions: ['priority'],
  },
  {
    describe: "enqueue('k', 'p', { priority: 1.5 })",
    call: (q) => q.enqueue('k', 'p', { priority: 1.5 }),
    error: 'RangeError',
    mentions: ['priority', '1.5'],
  },
  {
    describe: "enqueue('k', 'p', { priority: NaN })",
    call: (q) => q.enqueue('k', 'p', { priority: NaN }),
    error: 'RangeError',
    mentions: ['priority', 'NaN'],
  },
  {
    describe: "enqueue('k', 'p', { priority: Infinity })",
    call: (q) => q.enqueue('k', 'p', { priority: Infinity }),
    error: 'RangeError',
    mentions: ['priority', 'Infinity'],
  },
  {
    describe: "enqueue('k', 'p', { priority: 2 ** 53 })",
    call: (q) => q.enqueue('k', 'p', { priority: 2 ** 53 }),
    error: 'RangeError',
    mentions: ['priority', String(2 ** 53)],
  },
  {
    describe: "enqueue('k', 'p', { delayMs: '10' })",
    call: (q) => looseQueue(q).enqueue!('k', 'p', { delayMs: '10' }),
    error: 'TypeError',
    mentions: ['delayMs', '10'],
  },
  {
    describe: "enqueue('k', 'p', { delayMs: -1 })",
    call: (q) => q.enqueue('k', 'p', { delayMs: -1 }),
    error: 'RangeError',
    mentions: ['delayMs', '-1'],
  },
  {
    describe: "enqueue('k', 'p', { delayMs: 0.5 })",
    call: (q) => q.enqueue('k', 'p', { delayMs: 0.5 }),
    error: 'RangeError',
    mentions: ['delayMs', '0.5'],
  },
  {
    describe: "enqueue('k', 'p', { delayMs: NaN })",
    call: (q) => q.enqueue('k', 'p', { delayMs: NaN }),
    error: 'RangeError',
    mentions: ['delayMs', 'NaN'],
  },
  {
    describe: "enqueue('k', 'p', { delayMs: Infinity })",
    call: (q) => q.enqueue('k', 'p', { delayMs: Infinity }),
    error: 'RangeError',
    mentions: ['delayMs', 'Infinity'],
  },
  {
    describe: "enqueue('k', 'p', { delayMs: 2147483648 })",
    call: (q) => q.enqueue('k', 'p', { delayMs: 2_147_483_648 }),
    error: 'RangeError',
    mentions: ['delayMs', '2147483648'],
  },
  ...keyCases('getJob'),
  { describe: 'claim(7)', call: (q) => looseQueue(q).claim!(7), error: 'TypeError', mentions: ['workerId', '7'] },
  {
    describe: 'claim(undefined, 2)',
    call: (q) => looseQueue(q).claim!(undefined, 2),
    error: 'TypeError',
    mentions: ['workerId'],
  },
  { describe: "claim('', 2)", call: (q) => q.claim('', 2), error: 'RangeError', mentions: ['workerId'] },
  {
    describe: "claim('w', '2')",
    call: (q) => looseQueue(q).claim!('w', '2'),
    error: 'TypeError',
    mentions: ['limit', '2'],
  },
  {
    describe: "claim('w', null)",
    call: (q) => looseQueue(q).claim!('w', null),
    error: 'TypeError',
    mentions: ['limit'],
  },
  { describe: "claim('w', 0)", call: (q) => q.claim('w', 0), error: 'RangeError', mentions: ['limit', '0'] },
  { describe: "claim('w', -3)", call: (q) => q.claim('w', -3), error: 'RangeError', mentions: ['limit', '-3'] },
  { describe: "claim('w', 2.5)", call: (q) => q.claim('w', 2.5), error: 'RangeError', mentions: ['limit', '2.5'] },
  { describe: "claim('w', NaN)", call: (q) => q.claim('w', NaN), error: 'RangeError', mentions: ['limit', 'NaN'] },
  {
    describe: "claim('w', Infinity)",
    call: (q) => q.claim('w', Infinity),
    error: 'RangeError',
    mentions: ['limit', 'Infinity'],
  },
  {
    describe: "claim('w', 2147483648)",
    call: (q) => q.claim('w', 2_147_483_648),
    error: 'RangeError',
    mentions: ['limit', '2147483648'],
  },
  ...claimRefCases('complete'),
  ...claimRefCases('fail'),
  ...claimRefCases('release'),
  ...keyCases('replayDeadLetter'),
];

export const badCallArb = fc.integer({ min: 0, max: BAD_CALLS.length - 1 });

/** A claim object for a job that does not hold it: what a stale worker might send. */
export const STRANGER_CLAIM = someClaim;
