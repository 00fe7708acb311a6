/**
 * Follows an implementation with the model: the set of model states (candidates) consistent with
 * everything the implementation did so far. Each step keeps the states whose allowed outcome
 * matched what happened, and fails, naming the difference, when none is left. Also compares
 * reads (statuses, subscriptions, the dead-letter queue) with every remaining state.
 */
import { outcomeDifference, settle, show, valueDifference, type Outcome } from '../../harness/kit/index.ts';
import { expectError, expectValue, satisfies, type Expected } from '../../harness/kit/expected.ts';
import {
  deadLettersOf,
  distinct,
  initialCandidates,
  statusOf,
  subscriptionsOf,
  type Candidate,
  type ExpectedCall,
  type ModelOptions,
  type Option,
  type Reply,
} from './model.ts';
import type { ServiceCall } from './service.ts';
import type { Settled } from './world.ts';
import type * as Kata from './index.ts';

/** The most states followed at once; more means the model branches without bound (a bug here). */
const MAX_CANDIDATES = 200;

export interface Branch {
  readonly next: Candidate;
  /** Why this branch does not match what happened, or undefined when it does. */
  readonly difference: string | undefined;
}

export class Explorer {
  candidates: Candidate[] = initialCandidates();

  constructor(
    readonly options: ModelOptions,
    /** The module under test: its error classes, for instanceof. */
    readonly classes: Readonly<Record<string, unknown>>,
  ) {}

  /** Keeps the states some branch of which matches; throws the first difference when none does. */
  advance(what: string, branches: (candidate: Candidate) => readonly Branch[]): void {
    const kept: Candidate[] = [];
    const differences: string[] = [];
    for (const candidate of this.candidates) {
      for (const branch of branches(candidate)) {
        if (branch.difference === undefined) kept.push(branch.next);
        else differences.push(branch.difference);
      }
    }
    if (kept.length === 0) {
      throw new Error(`${what} ${differences[0] ?? 'matched nothing the README allows'}`);
    }
    this.candidates = distinct(kept);
    if (this.candidates.length > MAX_CANDIDATES) {
      throw new Error(`the model followed ${this.candidates.length} states at once after ${what}`);
    }
  }

  /** Some state every candidate agrees on (for choosing where to move the clock). */
  get first(): Candidate {
    return this.candidates[0]!;
  }
}

export function settledOutcome<T>(settled: Settled<T>): Outcome<T> | undefined {
  if (settled.state === 'pending') return undefined;
  return settled.state === 'fulfilled' ? { ok: true, value: settled.value } : { ok: false, error: settled.error };
}

export function expectedReply(reply: Reply, key: string): Expected {
  if (reply.outcome === 'not-found') {
    return expectError('DeadLetterNotFoundError', {
      code: 'ERR_DEAD_LETTER_NOT_FOUND',
      fields: { idempotencyKey: key },
    });
  }
  return expectValue(reply);
}

export function describeSettled(settled: Settled<unknown>): string {
  const outcome = settledOutcome(settled);
  if (outcome === undefined) return 'never finished';
  return outcome.ok ? `resolved ${show(outcome.value)}` : `rejected ${show(outcome.error)}`;
}

/** How the calls made differ from the calls expected (all of them, or a prefix when `prefix`). */
export function callsDifference(
  actual: readonly ServiceCall[],
  expected: readonly ExpectedCall[],
  startedAt: number,
  prefix = false,
): string | undefined {
  const shownCalls = (calls: readonly { request: unknown; at: number }[]) =>
    calls.length === 0 ? 'none' : calls.map((call) => `${show(call.request)} at +${call.at - startedAt} ms`).join(', ');
  const countWrong = prefix ? actual.length > expected.length : actual.length !== expected.length;
  if (countWrong) {
    return `made ${actual.length} call(s) to the subscription service (${shownCalls(actual)}), expected ${prefix ? 'at most ' : ''}${expected.length} (${shownCalls(expected)})`;
  }
  for (let index = 0; index < actual.length; index++) {
    const call = actual[index]!;
    const want = expected[index]!;
    const request = valueDifference(call.request, want.request, `the request of its call #${index + 1}`);
    if (request !== undefined) return `sent the subscription service a wrong request: ${request}`;
    if (call.at !== want.at) {
      return `made its call #${index + 1} to the subscription service at +${call.at - startedAt} ms, expected at +${want.at - startedAt} ms (calls: ${shownCalls(actual)})`;
    }
  }
  return undefined;
}

/** A branch of the model for a call whose outcome and calls are known. */
export function optionBranch(
  option: Option,
  settled: Settled<unknown>,
  calls: readonly ServiceCall[],
  startedAt: number,
  key: string,
  classes: Readonly<Record<string, unknown>>,
): Branch {
  const suffix = option.label === 'the README' ? '' : ` (the outcome where it ${option.label})`;
  if (option.reply === undefined) {
    if (settled.state !== 'pending') {
      return {
        next: option.next,
        difference: `${describeSettled(settled)}, but its call to the subscription service never answers, so it cannot finish${suffix}`,
      };
    }
  } else {
    const outcome = settledOutcome(settled);
    if (outcome === undefined) {
      return { next: option.next, difference: `never finished, expected ${show(option.reply)}${suffix}` };
    }
    const difference = outcomeDifference(outcome, expectedReply(option.reply, key), classes);
    if (difference !== undefined) return { next: option.next, difference: `${difference}${suffix}` };
  }
  const calls_ = callsDifference(calls, option.calls, startedAt);
  return { next: option.next, difference: calls_ === undefined ? undefined : `${calls_}${suffix}` };
}

// ---------------------------------------------------------------------------------------------
// Reads

export interface Reads {
  readonly statuses: ReadonlyMap<string, Outcome<unknown>>;
  readonly subscriptions: ReadonlyMap<string, Outcome<unknown>>;
  readonly deadLetters: Outcome<unknown>;
}

export async function readAll(handler: Kata.PaymentWebhookHandler, paymentIds: Iterable<string>): Promise<Reads> {
  const statuses = new Map<string, Outcome<unknown>>();
  const subscriptions = new Map<string, Outcome<unknown>>();
  for (const paymentId of paymentIds) {
    statuses.set(paymentId, await settle(() => handler.getPaymentStatus(paymentId)));
    subscriptions.set(paymentId, await settle(() => handler.getSubscriptionsByPaymentId(paymentId)));
  }
  return { statuses, subscriptions, deadLetters: await settle(() => handler.listDeadLetters()) };
}

export function readsDifference(candidate: Candidate, reads: Reads): string | undefined {
  for (const [paymentId, outcome] of reads.statuses) {
    const difference = outcomeDifference(outcome, expectValue(statusOf(candidate, paymentId)));
    if (difference !== undefined) return `getPaymentStatus(${show(paymentId)}) ${difference}`;
  }
  for (const [paymentId, outcome] of reads.subscriptions) {
    const difference = outcomeDifference(outcome, expectValue(subscriptionsOf(candidate, paymentId)));
    if (difference !== undefined) return `getSubscriptionsByPaymentId(${show(paymentId)}) ${difference}`;
  }
  return deadLettersDifference(candidate, reads.deadLetters);
}

function deadLettersDifference(candidate: Candidate, outcome: Outcome<unknown>): string | undefined {
  const expected = deadLettersOf(candidate);
  if (!outcome.ok) return `listDeadLetters() rejected ${show(outcome.error)}`;
  const actual = outcome.value;
  const keys = expected.map((letter) => letter.idempotencyKey);
  if (!Array.isArray(actual)) return `listDeadLetters() resolved ${show(actual)}, expected an array`;
  const actualKeys = actual.map((letter) => (letter as { idempotencyKey?: unknown })?.idempotencyKey);
  if (actual.length !== expected.length || [...actualKeys].sort().join('\n') !== [...keys].sort().join('\n')) {
    return `listDeadLetters() listed ${show(actualKeys)}, expected ${show(keys)}`;
  }
  for (let index = 0; index < actual.length; index++) {
    const letter = actual[index] as { idempotencyKey?: unknown; deadLetteredAt?: unknown };
    const want = expected.find((entry) => entry.idempotencyKey === letter.idempotencyKey)!;
    const difference = valueDifference(
      letter,
      {
        idempotencyKey: want.idempotencyKey,
        webhook: want.webhook,
        attempts: want.attempts,
        lastError:
          'exact' in want.lastError
            ? want.lastError.exact
            : satisfies('a string (the rejection was not an Error)', (value) => typeof value === 'string'),
        deadLetteredAt: want.deadLetteredAt,
      },
      `the dead letter ${show(want.idempotencyKey)}`,
    );
    if (difference !== undefined) return `listDeadLetters(): ${difference}`;
    if (letter.deadLetteredAt !== expected[index]!.deadLetteredAt) {
      return `listDeadLetters() is not oldest first: ${show(actual.map((entry) => [(entry as { idempotencyKey: unknown }).idempotencyKey, (entry as { deadLetteredAt: unknown }).deadLetteredAt]))}`;
    }
  }
  return undefined;
}
