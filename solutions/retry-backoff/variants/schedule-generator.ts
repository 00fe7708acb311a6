/**
 * Variant: the same contract built differently.
 *
 * - The delays come from a generator, backoffSchedule(), that owns the jitter state (the previous
 *   decorrelated sleep) and yields whole milliseconds; retry() only walks it.
 * - The budget counts millionths of a token in integers, so ten deposits of 0.1 are exactly one.
 * - Retry-After dates are read by splitting the text into its fields, IMF-fixdate and RFC 850
 *   only: the README leaves the asctime form to the implementation, and this one ignores it.
 * - The breaker's state is a tagged object replaced on every transition; a call remembers the
 *   object it was admitted under, and its outcome only counts if that object is still current.
 * - createSubscriptionWithRetry() gives the confirmation two quick tries before queueing it.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

export type GiveUpReason = 'attempts-exhausted' | 'not-retryable' | 'budget-exhausted' | 'circuit-open';

export class RetryError extends Error {
  readonly code = 'ERR_RETRY_FAILED';
  readonly reason: GiveUpReason;
  readonly attempts: number;
  readonly errors: readonly unknown[];

  constructor(reason: GiveUpReason, attempts: number, errors: readonly unknown[], cause: unknown) {
    super(
      `gave up after ${attempts} attempt(s) (${reason}): ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
    this.name = 'RetryError';
    this.reason = reason;
    this.attempts = attempts;
    this.errors = errors;
  }
}

export class CircuitOpenError extends Error {
  readonly code = 'ERR_CIRCUIT_OPEN';
  readonly retryAfterMs: number;

  constructor(retryAfterMs: number) {
    super(
      retryAfterMs > 0
        ? `circuit open: calls are refused for another ${Math.ceil(retryAfterMs)} ms`
        : 'circuit half-open: a trial call is already running',
    );
    this.name = 'CircuitOpenError';
    this.retryAfterMs = retryAfterMs;
  }
}

export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';

export interface RetryEvent {
  readonly attempt: number;
  readonly error: unknown;
  readonly delayMs: number;
}

export interface RetryOptions {
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  factor?: number;
  jitter?: Jitter;
  shouldRetry?: (error: unknown, attempt: number) => boolean | Promise<boolean>;
  onRetry?: (event: RetryEvent) => void;
  signal?: AbortSignal;
  budget?: RetryBudget;
  breaker?: CircuitBreaker;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

interface Schedule {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
  readonly jitter: Jitter;
  readonly random: () => number;
}

/** Endless delays, one per failed attempt, in whole milliseconds. */
export function* backoffSchedule({ baseDelayMs, maxDelayMs, factor, jitter, random }: Schedule): Generator<number> {
  let ceiling = Math.min(maxDelayMs, baseDelayMs);
  let previous = baseDelayMs;
  for (;;) {
    const r = Math.min(1, Math.max(0, random() || 0));
    let delay: number;
    if (jitter === 'none') delay = ceiling;
    else if (jitter === 'full') delay = r * ceiling;
    else if (jitter === 'equal') delay = ceiling * (1 + r) * 0.5;
    else delay = Math.min(maxDelayMs, baseDelayMs + r * (previous * 3 - baseDelayMs));
    previous = Math.round(delay);
    yield previous;
    // Grow by multiplication, saturating at the cap: no exponent ever reaches Infinity.
    ceiling = Math.min(maxDelayMs, ceiling * factor);
  }
}

function fail(type: 'type' | 'range', message: string): never {
  throw type === 'type' ? new TypeError(message) : new RangeError(message);
}

function shown(value: unknown): string {
  return typeof value === 'string' ? `"${value}" (a string)` : `${String(value)} (${typeof value})`;
}

function optionsObject(owner: string, options: unknown): void {
  if (typeof options !== 'object' || options === null)
    fail('type', `${owner} options must be an object, got ${shown(options)}`);
}

function numberOption(name: string, value: unknown, fallback: number, valid: (n: number) => boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') fail('type', `option ${name} expects a number but got ${shown(value)}`);
  if (!valid(value)) fail('range', `option ${name} is out of range: got ${shown(value)}`);
  return value;
}

const JITTER_MODES = new Set<unknown>(['none', 'full', 'equal', 'decorrelated']);

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  if (typeof fn !== 'function') fail('type', `retry(fn): fn is not a function, got ${shown(fn)}`);
  optionsObject('retry', options);
  const maxAttempts = numberOption('maxAttempts', options.maxAttempts, 3, (n) => n >= 1 && n % 1 === 0);
  const baseDelayMs = numberOption('baseDelayMs', options.baseDelayMs, 100, (n) => n >= 0 && n < Infinity);
  const maxDelayMs = numberOption('maxDelayMs', options.maxDelayMs, 20_000, (n) => n >= baseDelayMs);
  if (options.maxDelayMs === undefined && maxDelayMs < baseDelayMs) {
    fail('range', `option baseDelayMs ${shown(baseDelayMs)} is above the default maxDelayMs of 20000`);
  }
  const factor = numberOption('factor', options.factor, 2, (n) => n >= 1 && n < Infinity);
  const jitter = options.jitter === undefined ? 'full' : options.jitter;
  if (!JITTER_MODES.has(jitter))
    fail('range', `option jitter must be none, full, equal or decorrelated, got ${shown(jitter)}`);
  for (const name of ['shouldRetry', 'onRetry', 'now', 'sleep', 'random'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      fail('type', `option ${name} expects a function but got ${shown(options[name])}`);
    }
  }
  const { signal, budget, breaker, onRetry } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    fail('type', `option signal expects an AbortSignal but got ${shown(signal)}`);
  }
  if (
    budget !== undefined &&
    !(typeof budget?.recordCall === 'function' && typeof budget.tryAcquireRetry === 'function')
  ) {
    fail('type', `option budget expects recordCall() and tryAcquireRetry() but got ${shown(budget)}`);
  }
  if (breaker !== undefined && typeof breaker?.execute !== 'function') {
    fail('type', `option breaker expects execute() but got ${shown(breaker)}`);
  }
  const now = options.now ?? Date.now;
  const shouldRetry =
    options.shouldRetry ?? ((error: unknown) => (error as { retryable?: unknown })?.retryable !== false);
  const sleep =
    options.sleep ?? ((ms: number, abortSignal?: AbortSignal) => delay(ms, undefined, { signal: abortSignal }));

  if (signal?.aborted) throw signal.reason;
  let onAbort = (): void => {};
  const aborted = new Promise<never>((_, reject) => (onAbort = () => reject(signal?.reason)));
  aborted.catch(() => {});
  signal?.addEventListener('abort', onAbort, { once: true });

  budget?.recordCall();
  const delays = backoffSchedule({ baseDelayMs, maxDelayMs, factor, jitter, random: options.random ?? Math.random });
  const errors: unknown[] = [];
  try {
    for (let attempt = 1; ; attempt++) {
      let reachedFn = false;
      const run = async (): Promise<T> => {
        reachedFn = true;
        return fn(attempt);
      };
      const outcome = await Promise.race([(breaker ? breaker.execute(run) : run()).then(ok, notOk), aborted]);
      if (outcome.ok) return outcome.value;
      const { error } = outcome;
      if (!reachedFn) throw new RetryError('circuit-open', errors.length, errors, error);
      errors.push(error);
      const giveUp: GiveUpReason | undefined = !(await shouldRetry(error, attempt))
        ? 'not-retryable'
        : attempt >= maxAttempts
          ? 'attempts-exhausted'
          : budget && !budget.tryAcquireRetry()
            ? 'budget-exhausted'
            : undefined;
      if (giveUp) throw new RetryError(giveUp, attempt, errors, error);
      const backoff = delays.next().value as number;
      const hint = retryAfter(error, now());
      const delayMs = hint === undefined ? backoff : Math.min(maxDelayMs, Math.max(hint, backoff));
      onRetry?.({ attempt, error, delayMs });
      await Promise.race([sleep(delayMs, signal), aborted]);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };
const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
const notOk = (error: unknown): Outcome<never> => ({ ok: false, error });

/** Retry-After as milliseconds from `nowMs`, or undefined when absent or unreadable. */
function retryAfter(error: unknown, nowMs: number): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const value = (error as { retryAfter?: unknown }).retryAfter;
  if (typeof value === 'number') return value >= 0 && value < Infinity ? value * 1000 : undefined;
  if (typeof value !== 'string') return undefined;
  if (/^\d+$/.test(value)) return Number.parseInt(value, 10) * 1000;
  const at = httpDate(value);
  return at === undefined ? undefined : Math.max(0, at - nowMs);
}

const MONTH_NAMES = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');
const SHORT_DAY = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun),$/;
const LONG_DAY = /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),$/;

/** "Thu, 01 Jan 2026 00:00:09 GMT" or "Thursday, 01-Jan-26 00:00:09 GMT" as epoch ms; else undefined. */
function httpDate(text: string): number | undefined {
  const words = text.split(' ');
  let day: string | undefined;
  let month: string | undefined;
  let year: number;
  let time: string | undefined;
  if (words.length === 6 && SHORT_DAY.test(words[0]!) && words[5] === 'GMT' && /^\d{4}$/.test(words[3]!)) {
    [day, month, time] = [words[1], words[2], words[4]];
    year = Number(words[3]);
  } else if (words.length === 4 && LONG_DAY.test(words[0]!) && words[3] === 'GMT') {
    const parts = words[1]!.split('-');
    if (parts.length !== 3 || !/^\d{2}$/.test(parts[2]!)) return undefined;
    [day, month, time] = [parts[0], parts[1], words[2]];
    year = 2000 + Number(parts[2]);
    if (year > new Date().getUTCFullYear() + 50) year -= 100;
  } else {
    return undefined;
  }
  const monthIndex = MONTH_NAMES.indexOf(month ?? '');
  const clock = /^(\d{2}):(\d{2}):(\d{2})$/.exec(time ?? '');
  if (!/^\d{2}$/.test(day ?? '') || monthIndex === -1 || !clock) return undefined;
  const [hours, minutes, seconds] = [Number(clock[1]), Number(clock[2]), Number(clock[3])];
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  const date = new Date(Date.UTC(year, monthIndex, Number(day), hours, minutes, seconds));
  return date.getUTCDate() === Number(day) ? date.getTime() : undefined;
}

export interface RetryBudgetOptions {
  ratio?: number;
  initialTokens?: number;
  maxTokens?: number;
}

/** Millionths of a token: 0.1, 0.25 and 1/64 are all whole numbers of them. */
const MICRO = 1_000_000;

export class RetryBudget {
  readonly #earnPerCall: number;
  readonly #capacity: number;
  #balance: number;

  constructor(options: RetryBudgetOptions = {}) {
    optionsObject('RetryBudget', options);
    const ratio = numberOption('ratio', options.ratio, 0.1, (n) => n >= 0 && n < Infinity);
    const initial = numberOption('initialTokens', options.initialTokens, 10, (n) => n >= 0 && n < Infinity);
    const max = numberOption('maxTokens', options.maxTokens, 100, (n) => n >= 0 && n < Infinity);
    if (max < initial) fail('range', `option initialTokens ${shown(initial)} is above maxTokens ${shown(max)}`);
    this.#earnPerCall = Math.round(ratio * MICRO);
    this.#capacity = Math.round(max * MICRO);
    this.#balance = Math.round(initial * MICRO);
  }

  get tokens(): number {
    return this.#balance / MICRO;
  }

  recordCall(): void {
    this.#balance = Math.min(this.#capacity, this.#balance + this.#earnPerCall);
  }

  tryAcquireRetry(): boolean {
    if (this.#balance < MICRO) return false;
    this.#balance -= MICRO;
    return true;
  }
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitStateChange {
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly at: number;
}

export interface CircuitBreakerOptions {
  failureThreshold?: number;
  resetTimeoutMs?: number;
  halfOpenMaxCalls?: number;
  now?: () => number;
  onStateChange?: (change: CircuitStateChange) => void;
}

type Phase =
  | { readonly name: 'closed'; failures: number }
  | { readonly name: 'open'; readonly until: number }
  | { readonly name: 'half-open'; trials: number };

export class CircuitBreaker {
  readonly #threshold: number;
  readonly #resetTimeoutMs: number;
  readonly #maxTrials: number;
  readonly #now: () => number;
  readonly #notify: (change: CircuitStateChange) => void;
  #phase: Phase = { name: 'closed', failures: 0 };

  constructor(options: CircuitBreakerOptions = {}) {
    optionsObject('CircuitBreaker', options);
    const wholeAtLeastOne = (n: number): boolean => n >= 1 && n % 1 === 0;
    this.#threshold = numberOption('failureThreshold', options.failureThreshold, 5, wholeAtLeastOne);
    this.#resetTimeoutMs = numberOption(
      'resetTimeoutMs',
      options.resetTimeoutMs,
      30_000,
      (n) => n >= 0 && n < Infinity,
    );
    this.#maxTrials = numberOption('halfOpenMaxCalls', options.halfOpenMaxCalls, 1, wholeAtLeastOne);
    for (const name of ['now', 'onStateChange'] as const) {
      if (options[name] !== undefined && typeof options[name] !== 'function') {
        fail('type', `option ${name} expects a function but got ${shown(options[name])}`);
      }
    }
    this.#now = options.now ?? Date.now;
    this.#notify = options.onStateChange ?? (() => {});
  }

  get state(): CircuitState {
    return this.#current().name;
  }

  async execute<T>(fn: () => T | Promise<T>): Promise<T> {
    const admittedUnder = this.#current();
    if (admittedUnder.name === 'open') throw new CircuitOpenError(admittedUnder.until - this.#now());
    if (admittedUnder.name === 'half-open') {
      if (admittedUnder.trials >= this.#maxTrials) throw new CircuitOpenError(0);
      admittedUnder.trials++;
    }
    let succeeded = false;
    try {
      const value = await fn();
      succeeded = true;
      return value;
    } finally {
      this.#settle(admittedUnder, succeeded);
    }
  }

  /** The phase now, moving an expired open phase to half-open first. */
  #current(): Phase {
    if (this.#phase.name === 'open' && this.#now() >= this.#phase.until) this.#enter({ name: 'half-open', trials: 0 });
    return this.#phase;
  }

  #settle(admittedUnder: Phase, succeeded: boolean): void {
    if (admittedUnder !== this.#phase) return;
    if (admittedUnder.name === 'half-open') {
      this.#enter(
        succeeded ? { name: 'closed', failures: 0 } : { name: 'open', until: this.#now() + this.#resetTimeoutMs },
      );
    } else if (admittedUnder.name === 'closed') {
      admittedUnder.failures = succeeded ? 0 : admittedUnder.failures + 1;
      if (admittedUnder.failures >= this.#threshold)
        this.#enter({ name: 'open', until: this.#now() + this.#resetTimeoutMs });
    }
  }

  #enter(next: Phase): void {
    const from = this.#phase.name;
    this.#phase = next;
    this.#notify({ from, to: next.name, at: this.#now() });
  }
}

export interface ChargeRequest {
  readonly userId: string;
  readonly productId: string;
  readonly idempotencyKey: string;
}

export interface Charge {
  readonly chargeId: string;
}

export interface PaymentService {
  charge(request: ChargeRequest): Promise<Charge>;
}

export interface SubscriptionRecord {
  readonly id: string;
  readonly userId: string;
  readonly productId: string;
  readonly chargeId: string;
}

export interface Subscription extends SubscriptionRecord {
  readonly status: 'active';
  readonly notification: 'sent' | 'queued';
}

export interface NotificationService {
  sendSubscriptionConfirmation(subscription: SubscriptionRecord): Promise<void>;
}

export interface NotificationJob {
  readonly subscriptionId: string;
  readonly userId: string;
  readonly productId: string;
  readonly error: unknown;
}

export interface NotificationQueue {
  enqueue(job: NotificationJob): void | Promise<void>;
}

export interface CreateSubscriptionRequest {
  readonly userId: string;
  readonly productId: string;
  readonly paymentService: PaymentService;
  readonly notificationService: NotificationService;
  readonly notificationQueue: NotificationQueue;
  readonly idempotencyKey?: string;
  readonly retry?: RetryOptions;
}

export async function createSubscriptionWithRetry(request: CreateSubscriptionRequest): Promise<Subscription> {
  const text = (name: 'userId' | 'productId' | 'idempotencyKey', optional = false): string | undefined => {
    const value = request?.[name];
    if (optional && value === undefined) return undefined;
    if (typeof value !== 'string' || value === '')
      fail('type', `${name} must be a non-empty string, got ${shown(value)}`);
    return value;
  };
  const port = <K extends 'paymentService' | 'notificationService' | 'notificationQueue'>(name: K, method: string) => {
    const value = request?.[name] as unknown;
    if (typeof (value as Record<string, unknown> | undefined)?.[method] !== 'function') {
      fail('type', `${name} must provide ${method}(), got ${shown(value)}`);
    }
    return request[name];
  };
  const userId = text('userId')!;
  const productId = text('productId')!;
  const idempotencyKey = text('idempotencyKey', true) ?? randomUUID();
  const payments = port('paymentService', 'charge');
  const notifications = port('notificationService', 'sendSubscriptionConfirmation');
  const queue = port('notificationQueue', 'enqueue');

  const { chargeId } = await retry(() => payments.charge({ userId, productId, idempotencyKey }), request.retry);
  const record: SubscriptionRecord = { id: randomUUID(), userId, productId, chargeId };
  try {
    // Two quick tries ride out a blip; a longer outage is the queue worker's job.
    await retry(() => notifications.sendSubscriptionConfirmation(record), {
      ...request.retry,
      maxAttempts: 2,
      budget: undefined,
      breaker: undefined,
    });
    return { ...record, status: 'active', notification: 'sent' };
  } catch (error) {
    await queue.enqueue({ subscriptionId: record.id, userId, productId, error });
    return { ...record, status: 'active', notification: 'queued' };
  }
}
