/**
 * Concurrent histories judged against the model: a few mutating calls (deliveries, replays,
 * purges) started together on two app instances, then reads once all returned. The history is
 * linearizable when some order of the calls, consistent with real time, is one the model allows
 * call by call. The model state is the set of candidate states (see model.ts). Two answers no
 * sequential order explains are allowed when another call holding that event overlaps the call:
 * a `409` whose `retryAfterMs` is a full lease (the clock does not move during a batch), and a
 * replay's DeadLetterNotFoundError (the other call had taken the event out of the queue but not
 * yet finished with it). Either leaves the state as it was.
 */
import {
  outcomeDifference,
  show,
  type Operation,
  type Outcome,
  type SequentialModel,
} from '../../harness/kit/index.ts';
import { expectedReply, readsDifference, type Reads } from './explorer.ts';
import { deliver, purge, replay, type Candidate, type Context, type ModelOptions, type Webhook } from './model.ts';
import { subscriptionIdFor } from './service.ts';

export type Mutation =
  | { readonly kind: 'deliver'; readonly webhook: Webhook }
  | { readonly kind: 'replay'; readonly key: string; readonly paymentId: string }
  | { readonly kind: 'purge' };

export type HistoryInput =
  | {
      readonly kind: 'mutation';
      readonly instance: string;
      readonly mutation: Mutation;
      readonly overlapsHolder: boolean;
    }
  /** Reads of one payment (or of everything, when `paymentId` is undefined) after the batch. */
  | { readonly kind: 'reads'; readonly paymentIds: readonly string[]; readonly all: boolean };

export function describeMutation(mutation: Mutation): string {
  if (mutation.kind === 'deliver') {
    return `deliver ${show(mutation.webhook.idempotencyKey)} (${mutation.webhook.status} of ${show(mutation.webhook.paymentId)})`;
  }
  return mutation.kind === 'replay' ? `replay ${show(mutation.key)}` : 'purgeExpired()';
}

export function describeInput(input: HistoryInput): string {
  if (input.kind === 'reads') return `read ${input.all ? 'everything' : show(input.paymentIds)}`;
  return `${input.instance}: ${describeMutation(input.mutation)}`;
}

function keyOf(mutation: Mutation): string | undefined {
  if (mutation.kind === 'deliver') return mutation.webhook.idempotencyKey;
  return mutation.kind === 'replay' ? mutation.key : undefined;
}

function paymentOf(mutation: Mutation): string | undefined {
  if (mutation.kind === 'deliver') return mutation.webhook.paymentId;
  return mutation.kind === 'replay' ? mutation.paymentId : undefined;
}

/** Marks each mutation that overlapped (in real time) another one holding the same event. */
export function markOverlaps(
  operations: readonly Operation<HistoryInput, unknown>[],
): Operation<HistoryInput, unknown>[] {
  return operations.map((operation) => {
    if (operation.input.kind !== 'mutation') return operation;
    const key = keyOf(operation.input.mutation);
    const end = operation.returnedAt ?? Number.POSITIVE_INFINITY;
    const overlapsHolder = operations.some(
      (other) =>
        other !== operation &&
        other.input.kind === 'mutation' &&
        key !== undefined &&
        keyOf(other.input.mutation) === key &&
        other.invokedAt < end &&
        operation.invokedAt < (other.returnedAt ?? Number.POSITIVE_INFINITY),
    );
    return { ...operation, input: { ...operation.input, overlapsHolder } };
  });
}

function sortedDistinct(states: readonly Candidate[]): Candidate[] {
  const byKey = new Map(states.map((state) => [JSON.stringify(state), state]));
  return [...byKey.keys()].sort().map((key) => byKey.get(key)!);
}

/** Only the reads of the given payments (and their dead letters) count, when a history is split by payment. */
function restrictReads(reads: Reads, paymentIds: readonly string[], all: boolean): Reads {
  if (all) return reads;
  const deadLetters =
    reads.deadLetters.ok && Array.isArray(reads.deadLetters.value)
      ? {
          ok: true as const,
          value: (reads.deadLetters.value as { webhook?: { paymentId?: unknown } }[]).filter((letter) =>
            paymentIds.includes(letter?.webhook?.paymentId as string),
          ),
        }
      : reads.deadLetters;
  return { ...reads, deadLetters };
}

function restrictCandidate(candidate: Candidate, paymentIds: readonly string[], all: boolean): Candidate {
  if (all) return candidate;
  return {
    ...candidate,
    events: Object.fromEntries(
      Object.entries(candidate.events).filter(([, event]) => paymentIds.includes(event.webhook.paymentId)),
    ),
  };
}

export function historyModel(
  initial: readonly Candidate[],
  options: ModelOptions,
  now: number,
  keyOfPayment: ReadonlyMap<string, string>,
  classes: Readonly<Record<string, unknown>>,
  { partitioned = false, crossThread = false }: { readonly partitioned?: boolean; readonly crossThread?: boolean } = {},
): SequentialModel<Candidate[], HistoryInput, unknown> {
  const context: Context = {
    options,
    answers: [],
    subscriptionIdOf: (_index, paymentId) => subscriptionIdFor(keyOfPayment.get(paymentId) ?? '(no call was made)'),
  };
  return {
    init: () => sortedDistinct(initial),
    key: (state) => JSON.stringify(state),
    describeInput,
    ...(partitioned
      ? {
          partition: (input: HistoryInput) =>
            input.kind === 'reads' ? input.paymentIds.join('|') : (paymentOf(input.mutation) ?? '*'),
        }
      : {}),
    step(state, input, outcome: Outcome<unknown>) {
      const next: Candidate[] = [];
      for (const candidate of state) {
        if (input.kind === 'reads') {
          if (!outcome.ok) continue;
          const reads = restrictReads(outcome.value as Reads, input.paymentIds, input.all);
          if (readsDifference(restrictCandidate(candidate, input.paymentIds, input.all), reads) === undefined) {
            next.push(candidate);
          }
          continue;
        }
        const { mutation } = input;
        if (mutation.kind === 'purge') {
          const { deleted, next: after } = purge(candidate, now, options);
          if (outcome.ok && outcome.value === deleted) next.push(after);
          continue;
        }
        const key = keyOf(mutation)!;
        const allowed =
          mutation.kind === 'deliver'
            ? deliver(candidate, mutation.webhook, now, context)
            : replay(candidate, key, now, context);
        for (const option of allowed) {
          if (option.reply === undefined) continue;
          // Errors from worker threads arrive as { name, message, code }: their other fields stay behind.
          const expected = expectedReply(option.reply, key);
          const comparable =
            !crossThread || expected.ok ? expected : { ok: false as const, error: { ...expected.error, fields: {} } };
          if (outcomeDifference(outcome, comparable, classes) === undefined) next.push(option.next);
        }
        const conflict = outcome.ok
          ? (outcome.value as { outcome?: unknown; httpStatus?: unknown; reason?: unknown; retryAfterMs?: unknown })
          : undefined;
        // A replay that overlapped another call holding the event may have found it taken.
        const notFound =
          !outcome.ok && (outcome.error as { code?: unknown } | null)?.code === 'ERR_DEAD_LETTER_NOT_FOUND';
        if (input.overlapsHolder && mutation.kind === 'replay' && notFound) next.push(candidate);
        if (
          input.overlapsHolder &&
          conflict?.outcome === 'conflict' &&
          conflict.httpStatus === 409 &&
          conflict.reason === 'in-progress' &&
          conflict.retryAfterMs === options.leaseMs &&
          Object.keys(conflict).every((field) => ['outcome', 'httpStatus', 'reason', 'retryAfterMs'].includes(field))
        ) {
          next.push(candidate);
        }
      }
      return next.length === 0 ? undefined : sortedDistinct(next);
    },
  };
}
