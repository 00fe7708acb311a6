/**
 * The subscription service the checks hand to the handler: another team's payment-grade API. It
 * deduplicates by idempotency key (a key it has seen returns the subscription it made for it; the
 * id is a function of the key, so instances in other threads agree without sharing memory), and
 * answers from a script: success, a rejection (with an Error or any other value), a rejection
 * after creating (the answer was lost), a call that never answers, or an answer held back.
 */
import { createHash } from 'node:crypto';
import type { Answer } from './model.ts';
import type * as Kata from './index.ts';

export type Behaviour = Answer | { readonly kind: 'hold' };

export const UNAVAILABLE = 'subscription service unavailable (503)';

export const ok: Behaviour = { kind: 'ok' };
export const hang: Behaviour = { kind: 'hang' };
export const hold: Behaviour = { kind: 'hold' };
/** A rejection with `error` (any value, undefined included), or with a 503 Error when none is given. */
export const fail = (...error: [] | [unknown]): Behaviour => ({
  kind: 'fail',
  error: error.length === 0 ? new Error(UNAVAILABLE) : error[0],
});
/** Creates the subscription, then rejects with `error` (a 503 Error when none is given). */
export const lost = (...error: [] | [unknown]): Behaviour => ({
  kind: 'lost',
  error: error.length === 0 ? new Error(UNAVAILABLE) : error[0],
});

export function subscriptionIdFor(key: unknown): string {
  return `sub_${createHash('sha256').update(String(key)).digest('hex').slice(0, 12)}`;
}

export interface ServiceCall {
  readonly request: Kata.SubscriptionRequest;
  readonly idempotencyKey: unknown;
  /** clock.now() when the call arrived. */
  readonly at: number;
  readonly behaviour: Behaviour['kind'];
  /** A database transaction of the handler's was open when the call arrived. */
  readonly insideTransaction: boolean;
  /** The subscriptionId the service created or found for this call (ok, lost, hold). */
  readonly subscriptionId: string | undefined;
}

export class FakeSubscriptionService implements Kata.SubscriptionService {
  readonly calls: ServiceCall[] = [];
  /** Subscriptions that really exist on the service's side: key -> payment. */
  readonly created = new Map<string, { readonly paymentId: unknown; readonly subscriptionId: string }>();
  /** What happens to calls once the script runs out. */
  otherwise: Behaviour = ok;
  /** Runs when a call is about to answer successfully (a check's hook for "right after the call"). */
  onAnswer: (() => void) | undefined;
  /** How many calls are hanging (never answer) or held. */
  stuck = 0;
  private readonly script: Behaviour[] = [];
  private readonly held: (() => void)[] = [];

  constructor(
    private readonly now: () => number,
    private readonly insideTransaction: () => boolean = () => false,
  ) {}

  plan(...behaviours: Behaviour[]): void {
    this.script.push(...behaviours);
  }

  /** Forgets what is left of the script. */
  unplan(): void {
    this.script.length = 0;
  }

  /** Lets every held answer through. */
  release(): void {
    for (const answer of this.held.splice(0)) answer();
  }

  async create(request: Kata.SubscriptionRequest, options: { readonly idempotencyKey: string }) {
    const idempotencyKey = (options as { idempotencyKey?: unknown } | undefined)?.idempotencyKey;
    const behaviour = this.script.shift() ?? this.otherwise;
    const creates = behaviour.kind === 'ok' || behaviour.kind === 'lost' || behaviour.kind === 'hold';
    const subscriptionId = creates ? subscriptionIdFor(idempotencyKey) : undefined;
    if (subscriptionId !== undefined && !this.created.has(String(idempotencyKey))) {
      this.created.set(String(idempotencyKey), { paymentId: request?.paymentId, subscriptionId });
    }
    this.calls.push({
      request: typeof request === 'object' && request !== null ? { ...request } : request,
      idempotencyKey,
      at: this.now(),
      behaviour: behaviour.kind,
      insideTransaction: this.insideTransaction(),
      subscriptionId,
    });
    await Promise.resolve();
    if (behaviour.kind === 'fail' || behaviour.kind === 'lost') throw behaviour.error;
    if (behaviour.kind === 'hang') {
      this.stuck++;
      return new Promise<never>(() => {});
    }
    if (behaviour.kind === 'hold') {
      this.stuck++;
      await new Promise<void>((resolve) => this.held.push(resolve));
      this.stuck--;
    }
    this.onAnswer?.();
    return { subscriptionId: subscriptionId! };
  }

  /**
   * What the handler did wrong with its calls, one sentence each: a key that is not a non-empty
   * string, one key used for two payments, two keys for one payment, a call inside a transaction.
   */
  problems(): string[] {
    return callProblems(this.calls);
  }
}

export function callProblems(
  calls: readonly Pick<ServiceCall, 'request' | 'idempotencyKey' | 'insideTransaction'>[],
): string[] {
  const problems: string[] = [];
  const paymentOfKey = new Map<string, unknown>();
  const keyOfPayment = new Map<unknown, string>();
  for (const call of calls) {
    const key = call.idempotencyKey;
    const paymentId = call.request?.paymentId;
    if (typeof key !== 'string' || key === '') {
      problems.push(`a call for payment ${JSON.stringify(paymentId)} carried the idempotency key ${String(key)}`);
      continue;
    }
    if (call.insideTransaction) {
      problems.push(`the call for payment ${JSON.stringify(paymentId)} was made while a database transaction was open`);
    }
    const known = paymentOfKey.get(key);
    if (known !== undefined && known !== paymentId) {
      problems.push(
        `the idempotency key ${JSON.stringify(key)} was sent for payments ${JSON.stringify(known)} and ${JSON.stringify(paymentId)}: the second gets the first one's subscription`,
      );
    }
    paymentOfKey.set(key, paymentId);
    const previous = keyOfPayment.get(paymentId);
    if (previous !== undefined && previous !== key) {
      problems.push(
        `payment ${JSON.stringify(paymentId)} was sent the idempotency keys ${JSON.stringify(previous)} and ${JSON.stringify(key)}: a call whose answer was lost is not deduplicated`,
      );
    }
    keyOfPayment.set(paymentId, key);
  }
  return [...new Set(problems)];
}
