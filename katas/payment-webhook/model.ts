/**
 * A model of README.md, written from the README alone: plain, sequential, in memory.
 *
 * The README leaves a few choices to the implementation (when a success event's status becomes
 * visible, whether a second success event waits for the first or takes over, how far a call that
 * failed or crashed got). The model does not guess: each call returns every outcome the README
 * allows, each with the state it leaves, and the checks keep the states whose outcome matched what
 * the implementation did. A state is a `Candidate`; a choice made once (the style) stays made.
 */

export type Status = 'pending' | 'failed' | 'success';

export interface Webhook {
  readonly paymentId: string;
  readonly status: Status;
  readonly amount: number;
  readonly userId: string;
  readonly idempotencyKey: string;
}

export interface ModelOptions {
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly retentionMs: number;
  readonly toleranceMs: number;
}

export const DEFAULT_OPTIONS: ModelOptions = {
  leaseMs: 30_000,
  maxAttempts: 5,
  baseDelayMs: 1_000,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  toleranceMs: 300_000,
};

/** How the subscription service answers one call. */
export type Answer =
  /** Creates the subscription (or returns the one it made for this key) and answers. */
  | { readonly kind: 'ok' }
  /** Rejects and creates nothing. */
  | { readonly kind: 'fail'; readonly error: unknown }
  /** Creates the subscription, then rejects: the answer was lost on the way back. */
  | { readonly kind: 'lost'; readonly error: unknown }
  /** Never answers and creates nothing: the caller's process died before the request left. */
  | { readonly kind: 'hang' };

/** What a dead letter's lastError must be: the exact message, or any string (a non-Error rejection). */
export type LastError = { readonly exact: string } | { readonly anyString: true };

export interface EventRecord {
  readonly webhook: Webhook;
  readonly state: 'working' | 'finished' | 'dead';
  /** Working: when the lease runs out; at or before now the event is free to take over. */
  readonly leaseEnd: number;
  /** Finished: when. */
  readonly finishedAt: number;
  /** Failed calls over every run that ended in the dead-letter queue. */
  readonly attempts: number;
  readonly lastError: LastError | undefined;
  readonly deadLetteredAt: number;
  /** Working: its status change is already applied (a failure or crash came before it finished). */
  readonly applied: boolean;
}

export interface SubscriptionRecord {
  readonly subscriptionId: string;
  readonly paymentId: string;
  readonly userId: string;
  readonly amount: number;
  readonly createdAt: number;
}

export interface PaymentRecord {
  /** What getPaymentStatus reports. */
  readonly status: Status | undefined;
  /** The unfinished success event moving this payment to success, if any. */
  readonly mover: string | undefined;
  readonly subscription: SubscriptionRecord | undefined;
}

export interface Candidate {
  /** 'early': a success event's status reads 'success' from the moment it takes the move; 'late': only once it finished. */
  readonly style: 'early' | 'late';
  readonly events: Readonly<Record<string, EventRecord>>;
  readonly payments: Readonly<Record<string, PaymentRecord>>;
}

export interface ExpectedCall {
  readonly request: { readonly paymentId: string; readonly userId: string; readonly amount: number };
  /** clock.now() when the call is made. */
  readonly at: number;
}

export type Reply =
  | { readonly outcome: 'processed'; readonly httpStatus: 200; readonly subscriptionId?: string }
  | { readonly outcome: 'duplicate'; readonly httpStatus: 200 }
  | { readonly outcome: 'ignored'; readonly httpStatus: 200; readonly reason: 'stale-status' }
  | {
      readonly outcome: 'conflict';
      readonly httpStatus: 409;
      readonly reason: 'in-progress';
      readonly retryAfterMs: number;
    }
  | { readonly outcome: 'conflict'; readonly httpStatus: 422; readonly reason: 'payload-mismatch' }
  | { readonly outcome: 'dead-lettered'; readonly httpStatus: 202; readonly attempts: number }
  | { readonly outcome: 'not-found' };

export interface Option {
  /** Which of the README's choices this outcome takes, for failure messages. */
  readonly label: string;
  /** The reply, or undefined when the call never settles (a call to the service hangs). */
  readonly reply: Reply | undefined;
  /** The calls to the subscription service the call makes, in order. */
  readonly calls: readonly ExpectedCall[];
  readonly next: Candidate;
}

export interface Context {
  readonly options: ModelOptions;
  /** The script the subscription service follows for this call's calls; 'ok' once it runs out. */
  readonly answers: readonly Answer[];
  /** The subscriptionId the service returned to this call's n-th call (from 0). */
  readonly subscriptionIdOf: (callIndex: number, paymentId: string) => string;
}

const RANK: Readonly<Record<Status, number>> = { pending: 0, failed: 1, success: 2 };

export const DUPLICATE: Reply = { outcome: 'duplicate', httpStatus: 200 };
export const IGNORED: Reply = { outcome: 'ignored', httpStatus: 200, reason: 'stale-status' };
export const MISMATCH: Reply = { outcome: 'conflict', httpStatus: 422, reason: 'payload-mismatch' };
export const NOT_FOUND: Reply = { outcome: 'not-found' };

export function initialCandidates(): Candidate[] {
  return [
    { style: 'early', events: {}, payments: {} },
    { style: 'late', events: {}, payments: {} },
  ];
}

export function forward(current: Status | undefined, next: Status): boolean {
  return current === undefined || RANK[next] > RANK[current];
}

export function samePayload(a: Webhook, b: Webhook): boolean {
  return a.paymentId === b.paymentId && a.status === b.status && a.amount === b.amount && a.userId === b.userId;
}

function paymentOf(candidate: Candidate, paymentId: string): PaymentRecord {
  return candidate.payments[paymentId] ?? { status: undefined, mover: undefined, subscription: undefined };
}

function withPayment(candidate: Candidate, paymentId: string, change: Partial<PaymentRecord>): Candidate {
  return {
    ...candidate,
    payments: { ...candidate.payments, [paymentId]: { ...paymentOf(candidate, paymentId), ...change } },
  };
}

function withEvent(candidate: Candidate, key: string, record: EventRecord): Candidate {
  return { ...candidate, events: { ...candidate.events, [key]: record } };
}

function withoutEvents(candidate: Candidate, keys: readonly string[]): Candidate {
  const events = { ...candidate.events };
  for (const key of keys) delete events[key];
  return { ...candidate, events };
}

function working(webhook: Webhook, leaseEnd: number, previous: EventRecord | undefined): EventRecord {
  return {
    webhook,
    state: 'working',
    leaseEnd,
    finishedAt: 0,
    attempts: previous?.attempts ?? 0,
    lastError: previous?.lastError,
    deadLetteredAt: previous?.deadLetteredAt ?? 0,
    applied: previous?.state === 'working' ? previous.applied : false,
  };
}

function finished(candidate: Candidate, key: string, at: number): Candidate {
  const event = candidate.events[key]!;
  return withEvent(candidate, key, { ...event, state: 'finished', finishedAt: at, leaseEnd: 0, applied: false });
}

function answered(candidate: Candidate, reply: Reply, label = 'the README'): Option {
  return { label, reply, calls: [], next: candidate };
}

function conflict(retryAfterMs: number): Reply {
  return { outcome: 'conflict', httpStatus: 409, reason: 'in-progress', retryAfterMs };
}

/** handlePaymentWebhook / receiveWebhook of a valid, genuine event at `now`. */
export function deliver(candidate: Candidate, webhook: Webhook, now: number, context: Context): Option[] {
  const event = candidate.events[webhook.idempotencyKey];
  if (event !== undefined) {
    if (!samePayload(event.webhook, webhook)) return [answered(candidate, MISMATCH)];
    if (event.state !== 'working') return [answered(candidate, DUPLICATE)];
    if (event.leaseEnd > now) return [answered(candidate, conflict(event.leaseEnd - now))];
  }
  return run(candidate, event?.webhook ?? webhook, now, context);
}

/** replayDeadLetter(key) at `now`. */
export function replay(candidate: Candidate, key: string, now: number, context: Context): Option[] {
  const event = candidate.events[key];
  if (event === undefined || event.state !== 'dead') return [answered(candidate, NOT_FOUND)];
  return run(candidate, event.webhook, now, context);
}

/** purgeExpired() at `now`: how many it deletes, and the state after. */
export function purge(
  candidate: Candidate,
  now: number,
  options: ModelOptions,
): { readonly deleted: number; next: Candidate } {
  const expired = Object.entries(candidate.events)
    .filter(([, event]) => event.state === 'finished' && now - event.finishedAt > options.retentionMs)
    .map(([key]) => key);
  return { deleted: expired.length, next: withoutEvents(candidate, expired) };
}

/** The event is taken (new, over an expired lease, or out of the dead-letter queue) and worked on. */
function run(candidate: Candidate, webhook: Webhook, now: number, context: Context): Option[] {
  const key = webhook.idempotencyKey;
  const previous = candidate.events[key];
  const taken = withEvent(candidate, key, working(webhook, now + context.options.leaseMs, previous));
  const payment = paymentOf(taken, webhook.paymentId);

  if (webhook.status !== 'success') {
    if (previous?.state === 'working' && previous.applied) {
      return [
        answered(finished(taken, key, now), { outcome: 'processed', httpStatus: 200 }, 'finishes its applied status'),
      ];
    }
    if (!forward(payment.status, webhook.status)) return [answered(finished(taken, key, now), IGNORED)];
    const moved = withPayment(taken, webhook.paymentId, { status: webhook.status });
    return [answered(finished(moved, key, now), { outcome: 'processed', httpStatus: 200 })];
  }

  if (payment.mover === key) return attempt(taken, webhook, now, context, 'resumes its move');
  if (!forward(payment.status, 'success')) return [answered(finished(taken, key, now), IGNORED)];
  const take = (label: string): Option[] => {
    const moving = withPayment(taken, webhook.paymentId, {
      mover: key,
      ...(taken.style === 'early' ? { status: 'success' as const } : {}),
    });
    return attempt(moving, webhook, now, context, label);
  };
  if (payment.mover !== undefined) {
    // Another success event of this payment is unfinished (late style): this one may wait for it
    // (ignored) or finish the move itself.
    return [
      answered(finished(taken, key, now), IGNORED, 'leaves the move to the first success event'),
      ...take('takes the move over'),
    ];
  }
  return take('moves the payment to success');
}

/** The calls to the subscription service, with backoff, then the record or the dead-letter queue. */
function attempt(candidate: Candidate, webhook: Webhook, now: number, context: Context, label: string): Option[] {
  const { maxAttempts, baseDelayMs, leaseMs } = context.options;
  const key = webhook.idempotencyKey;
  const request = { paymentId: webhook.paymentId, userId: webhook.userId, amount: webhook.amount };
  const calls: ExpectedCall[] = [];
  let at = now;
  let lastError: LastError | undefined;
  for (let index = 0; index < maxAttempts; index++) {
    const answer = context.answers[index] ?? { kind: 'ok' };
    calls.push({ request, at });
    if (answer.kind === 'hang') {
      const event = candidate.events[key]!;
      return [
        { label, reply: undefined, calls, next: withEvent(candidate, key, { ...event, leaseEnd: at + leaseMs }) },
      ];
    }
    if (answer.kind === 'ok') {
      const payment = paymentOf(candidate, webhook.paymentId);
      const subscription = payment.subscription ?? {
        subscriptionId: context.subscriptionIdOf(index, webhook.paymentId),
        paymentId: webhook.paymentId,
        userId: webhook.userId,
        amount: webhook.amount,
        createdAt: at,
      };
      const done = withPayment(finished(candidate, key, at), webhook.paymentId, {
        status: 'success',
        mover: undefined,
        subscription,
      });
      return [
        {
          label,
          reply: { outcome: 'processed', httpStatus: 200, subscriptionId: subscription.subscriptionId },
          calls,
          next: done,
        },
      ];
    }
    lastError = lastErrorOf(answer.error);
    if (index + 1 < maxAttempts) at += baseDelayMs * 2 ** index;
  }
  const event = candidate.events[key]!;
  const attempts = event.attempts + maxAttempts;
  const dead = withEvent(candidate, key, {
    ...event,
    state: 'dead',
    leaseEnd: 0,
    attempts,
    lastError,
    deadLetteredAt: at,
  });
  return [{ label, reply: { outcome: 'dead-lettered', httpStatus: 202, attempts }, calls, next: dead }];
}

export function lastErrorOf(error: unknown): LastError {
  if (error instanceof Error) return { exact: error.message };
  if (typeof error === 'string') return { exact: error };
  return { anyString: true };
}

/**
 * The states a delivery may leave when it did not finish: it rejected after a database failure
 * (`released`: a redelivery may take the event at once) or its instance crashed mid-call
 * (`crashed`: the event stays held until its lease runs out). It got anywhere between nothing and
 * having moved the payment's status; a crash right after its last commit may even have finished.
 */
export function interruptedDelivery(
  candidate: Candidate,
  webhook: Webhook,
  now: number,
  options: ModelOptions,
  complete: readonly Option[],
  how: 'released' | 'crashed',
): Candidate[] {
  const before = candidate.events[webhook.idempotencyKey];
  const takes =
    before === undefined ||
    (before.state === 'working' && before.leaseEnd <= now && samePayload(before.webhook, webhook));
  return takes ? partial(candidate, before?.webhook ?? webhook, now, options, complete, how) : [candidate];
}

/** The same for a replay: it may or may not have taken the event out of the queue. */
export function interruptedReplay(
  candidate: Candidate,
  key: string,
  now: number,
  options: ModelOptions,
  complete: readonly Option[],
  how: 'released' | 'crashed',
): Candidate[] {
  const event = candidate.events[key];
  if (event === undefined || event.state !== 'dead') return [candidate];
  return partial(candidate, event.webhook, now, options, complete, how);
}

function partial(
  candidate: Candidate,
  webhook: Webhook,
  now: number,
  options: ModelOptions,
  complete: readonly Option[],
  how: 'released' | 'crashed',
): Candidate[] {
  const key = webhook.idempotencyKey;
  const before = candidate.events[key];
  const leaseEnd = how === 'crashed' ? now + options.leaseMs : now;
  const recorded = withEvent(candidate, key, working(webhook, leaseEnd, before));
  const states: Candidate[] = [candidate, recorded];
  const payment = paymentOf(candidate, webhook.paymentId);
  if (webhook.status !== 'success') {
    if (forward(payment.status, webhook.status)) {
      const event = recorded.events[key]!;
      states.push(
        withPayment(withEvent(recorded, key, { ...event, applied: true }), webhook.paymentId, {
          status: webhook.status,
        }),
      );
    }
  } else if (payment.mover !== key && forward(payment.status, 'success')) {
    states.push(
      withPayment(recorded, webhook.paymentId, {
        mover: key,
        ...(candidate.style === 'early' ? { status: 'success' as const } : {}),
      }),
    );
  }
  if (how === 'crashed') {
    states.push(...complete.filter((option) => option.reply !== undefined).map((option) => option.next));
  }
  return states;
}

// ---------------------------------------------------------------------------------------------
// Reads

export function statusOf(candidate: Candidate, paymentId: string): Status | undefined {
  return candidate.payments[paymentId]?.status;
}

export function subscriptionsOf(candidate: Candidate, paymentId: string): SubscriptionRecord[] {
  const subscription = candidate.payments[paymentId]?.subscription;
  return subscription === undefined ? [] : [subscription];
}

export interface DeadLetterRecord {
  readonly idempotencyKey: string;
  readonly webhook: Webhook;
  readonly attempts: number;
  readonly lastError: LastError;
  readonly deadLetteredAt: number;
}

/** Oldest first; entries dead-lettered at the same instant may come in any order. */
export function deadLettersOf(candidate: Candidate): DeadLetterRecord[] {
  return Object.entries(candidate.events)
    .filter(([, event]) => event.state === 'dead')
    .map(([idempotencyKey, event]) => ({
      idempotencyKey,
      webhook: event.webhook,
      attempts: event.attempts,
      lastError: event.lastError ?? { anyString: true },
      deadLetteredAt: event.deadLetteredAt,
    }))
    .sort((a, b) => a.deadLetteredAt - b.deadLetteredAt || (a.idempotencyKey < b.idempotencyKey ? -1 : 1));
}

/** Drops candidates that are the same state twice. */
export function distinct(candidates: readonly Candidate[]): Candidate[] {
  const seen = new Map<string, Candidate>();
  for (const candidate of candidates) seen.set(JSON.stringify(candidate), candidate);
  return [...seen.values()];
}
