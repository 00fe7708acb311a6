/**
 * Reference solution: a retrier that does not overwhelm a failing service.
 *
 * - retry(): capped exponential backoff with four jitter modes, Retry-After, abort, and a
 *   RetryError that keeps every attempt's cause. Nothing sleeps or reads the clock except
 *   through the injected `sleep` and `now`, and nothing is random except the injected `random`.
 * - RetryBudget: a token bucket shared by many callers. Each call earns `ratio` tokens, each
 *   retry spends one, so retries stay a fraction of calls however many callers fail at once.
 * - CircuitBreaker: closed, open, half-open, driven by consecutive failures and the injected clock.
 * - createSubscriptionWithRetry(): the seeds' scenario. One idempotency key for every payment
 *   attempt, and a failed confirmation is queued instead of failing a subscription already paid for.
 *
 * See NOTES.md for why each piece looks the way it does.
 */
import { randomUUID } from 'node:crypto';

// ---------------------------------------------------------------------------------------------
// Errors (API: the stub ships the same classes)
// ---------------------------------------------------------------------------------------------

export type GiveUpReason = 'attempts-exhausted' | 'not-retryable' | 'budget-exhausted' | 'circuit-open';

/** retry() gave up. `errors` holds every attempt's error in order; `cause` is the last one. */
export class RetryError extends Error {
  readonly code = 'ERR_RETRY_FAILED';
  readonly reason: GiveUpReason;
  /** How many times fn was called. */
  readonly attempts: number;
  readonly errors: readonly unknown[];

  constructor(reason: GiveUpReason, attempts: number, errors: readonly unknown[], cause: unknown) {
    super(`gave up after ${attempts} attempt(s) (${reason}): ${describeError(cause)}`, { cause });
    this.name = 'RetryError';
    this.reason = reason;
    this.attempts = attempts;
    this.errors = errors;
  }
}

/** The circuit breaker refused a call without making it. */
export class CircuitOpenError extends Error {
  readonly code = 'ERR_CIRCUIT_OPEN';
  /** How long until the breaker lets a trial call through; 0 while a trial is already running. */
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

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

// ---------------------------------------------------------------------------------------------
// retry()
// ---------------------------------------------------------------------------------------------

export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';

export interface RetryEvent {
  /** The attempt that just failed, counted from 1. */
  readonly attempt: number;
  readonly error: unknown;
  /** How long retry() will sleep before the next attempt. */
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

/** The AWS SDKs' standard mode defaults: 3 attempts, 100 ms base, 20 s cap, full jitter. */
export const RETRY_DEFAULTS = {
  maxAttempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 20_000,
  factor: 2,
  jitter: 'full',
} as const satisfies RetryOptions;

const JITTERS: readonly Jitter[] = ['none', 'full', 'equal', 'decorrelated'];

interface RetrySettings {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
  readonly jitter: Jitter;
  readonly shouldRetry: (error: unknown, attempt: number) => boolean | Promise<boolean>;
  readonly onRetry: ((event: RetryEvent) => void) | undefined;
  readonly signal: AbortSignal | undefined;
  readonly budget: RetryBudget | undefined;
  readonly breaker: CircuitBreaker | undefined;
  readonly now: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random: () => number;
}

/**
 * Calls `fn` until it succeeds, backing off between attempts. Rejects with a RetryError when it
 * gives up, or with `signal.reason` as soon as the signal aborts.
 */
export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  if (typeof fn !== 'function') throw new TypeError(`retry: fn must be a function, received ${describeValue(fn)}`);
  const settings = resolveRetryOptions(options);
  const { signal } = settings;
  signal?.throwIfAborted();

  const aborted = whenAborted(signal);
  settings.budget?.recordCall();
  const errors: unknown[] = [];
  let previousDelay = settings.baseDelayMs;
  try {
    for (let attempt = 1; ; attempt++) {
      let called = false;
      const call = (): T | Promise<T> => {
        called = true;
        return fn(attempt);
      };
      try {
        return await race(settings.breaker ? settings.breaker.execute(call) : call(), aborted.promise);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        // The breaker refused without calling fn: the service is known to be down, so stop.
        if (!called) throw new RetryError('circuit-open', errors.length, errors, error);
        errors.push(error);
        if (!(await settings.shouldRetry(error, attempt))) {
          throw new RetryError('not-retryable', attempt, errors, error);
        }
        if (attempt >= settings.maxAttempts) throw new RetryError('attempts-exhausted', attempt, errors, error);
        // Ask the budget before sleeping: a refused retry should fail now, not after a wait.
        if (settings.budget && !settings.budget.tryAcquireRetry()) {
          throw new RetryError('budget-exhausted', attempt, errors, error);
        }
        const backoff = backoffDelay(settings, attempt, previousDelay);
        previousDelay = backoff;
        const hint = retryAfterMs(error, settings.now);
        const delayMs = hint === undefined ? backoff : Math.min(settings.maxDelayMs, Math.max(backoff, hint));
        settings.onRetry?.({ attempt, error, delayMs });
        await race(settings.sleep(delayMs, signal), aborted.promise);
      }
    }
  } finally {
    aborted.dispose();
  }
}

/**
 * The delay after failed attempt `attempt` (from 1), before any Retry-After hint. The ceiling
 * min(cap, base * factor^(attempt - 1)) is computed first so a huge exponent saturates at the cap
 * instead of turning into Infinity * 0 = NaN.
 */
function backoffDelay(settings: RetrySettings, attempt: number, previousDelay: number): number {
  const { baseDelayMs, maxDelayMs, factor } = settings;
  const ceiling = baseDelayMs === 0 ? 0 : Math.min(maxDelayMs, baseDelayMs * factor ** (attempt - 1));
  switch (settings.jitter) {
    case 'none':
      return ceiling;
    case 'full':
      return unitRandom(settings.random) * ceiling;
    case 'equal':
      return ceiling / 2 + (unitRandom(settings.random) * ceiling) / 2;
    case 'decorrelated':
      // AWS Architecture Blog: sleep = min(cap, random_between(base, sleep * 3)), sleep starting at base.
      return Math.min(maxDelayMs, baseDelayMs + unitRandom(settings.random) * (previousDelay * 3 - baseDelayMs));
  }
}

/** A value in [0, 1] from the injected source, so a faulty source cannot produce NaN delays. */
function unitRandom(random: () => number): number {
  const value = random();
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

/**
 * The error's Retry-After hint in milliseconds: `retryAfter` holds the header's value, delta
 * seconds (a number or a string of digits) or an HTTP date. Anything else is ignored.
 */
function retryAfterMs(error: unknown, now: () => number): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const hint: unknown = (error as { retryAfter?: unknown }).retryAfter;
  if (typeof hint === 'number') return Number.isFinite(hint) && hint >= 0 ? hint * 1000 : undefined;
  if (typeof hint !== 'string') return undefined;
  const text = hint.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Date.parse accepts nearly anything ("-5" is a date in 2001), so only hand it HTTP dates.
  if (!HTTP_DATE.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now());
}

/** IMF-fixdate, the obsolete RFC 850 form and asctime (RFC 9110, section 5.6.7). */
const HTTP_DATE =
  /^(?:[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT|[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT|[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})$/;

/** Retries anything except an error that says it is permanent. */
function defaultShouldRetry(error: unknown): boolean {
  return !(typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === false);
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    if (ms <= 0) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface AbortWatch {
  /** Rejects with the signal's reason when it aborts; undefined when there is no signal. */
  readonly promise: Promise<never> | undefined;
  dispose(): void;
}

/** Without a signal there is nothing to race: the hot path allocates no extra promise. */
const NEVER_ABORTED: AbortWatch = { promise: undefined, dispose: () => {} };

function whenAborted(signal: AbortSignal | undefined): AbortWatch {
  if (!signal) return NEVER_ABORTED;
  let onAbort: () => void = () => {};
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  // Nobody may be racing it at the moment it rejects; that must not be an unhandled rejection.
  promise.catch(() => {});
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

/** Settles with `work`, unless the abort watch rejects first. */
function race<T>(work: T | Promise<T>, aborted: Promise<never> | undefined): T | Promise<T> {
  return aborted ? Promise.race([work, aborted]) : work;
}

function resolveRetryOptions(options: RetryOptions): RetrySettings {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`retry: options must be an object, received ${describeValue(options)}`);
  }
  const maxAttempts = options.maxAttempts ?? RETRY_DEFAULTS.maxAttempts;
  requireNumber('maxAttempts', maxAttempts);
  if (!(maxAttempts === Infinity || (Number.isInteger(maxAttempts) && maxAttempts >= 1))) {
    throw new RangeError(`retry: maxAttempts must be a whole number >= 1 or Infinity, received ${maxAttempts}`);
  }
  const baseDelayMs = options.baseDelayMs ?? RETRY_DEFAULTS.baseDelayMs;
  requireNumber('baseDelayMs', baseDelayMs);
  if (!(Number.isFinite(baseDelayMs) && baseDelayMs >= 0)) {
    throw new RangeError(`retry: baseDelayMs must be a finite number >= 0, received ${baseDelayMs}`);
  }
  const maxDelayMs = options.maxDelayMs ?? Math.max(RETRY_DEFAULTS.maxDelayMs, baseDelayMs);
  requireNumber('maxDelayMs', maxDelayMs);
  if (Number.isNaN(maxDelayMs) || maxDelayMs < baseDelayMs) {
    throw new RangeError(`retry: maxDelayMs must be >= baseDelayMs (${baseDelayMs}), received ${maxDelayMs}`);
  }
  const factor = options.factor ?? RETRY_DEFAULTS.factor;
  requireNumber('factor', factor);
  if (!(Number.isFinite(factor) && factor >= 1)) {
    throw new RangeError(`retry: factor must be a finite number >= 1, received ${factor}`);
  }
  const jitter = options.jitter ?? RETRY_DEFAULTS.jitter;
  if (!JITTERS.includes(jitter)) {
    throw new RangeError(`retry: jitter must be one of ${JITTERS.join(', ')}, received ${describeValue(jitter)}`);
  }
  for (const name of ['shouldRetry', 'onRetry', 'now', 'sleep', 'random'] as const) {
    const value: unknown = options[name];
    if (value !== undefined && typeof value !== 'function') {
      throw new TypeError(`retry: ${name} must be a function, received ${describeValue(value)}`);
    }
  }
  const { signal, budget, breaker } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`retry: signal must be an AbortSignal, received ${describeValue(signal)}`);
  }
  if (budget !== undefined && !hasMethods(budget, ['recordCall', 'tryAcquireRetry'])) {
    throw new TypeError(`retry: budget must be a RetryBudget, received ${describeValue(budget)}`);
  }
  if (breaker !== undefined && !hasMethods(breaker, ['execute'])) {
    throw new TypeError(`retry: breaker must be a CircuitBreaker, received ${describeValue(breaker)}`);
  }
  return {
    maxAttempts,
    baseDelayMs,
    maxDelayMs,
    factor,
    jitter,
    shouldRetry: options.shouldRetry ?? defaultShouldRetry,
    onRetry: options.onRetry,
    signal,
    budget,
    breaker,
    now: options.now ?? Date.now,
    sleep: options.sleep ?? defaultSleep,
    random: options.random ?? Math.random,
  };
}

function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function')
  );
}

function requireNumber(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, received ${describeValue(value)}`);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'object' || typeof value === 'function') return `a ${typeof value}`;
  return `${typeof value} ${String(value)}`;
}

// ---------------------------------------------------------------------------------------------
// RetryBudget
// ---------------------------------------------------------------------------------------------

export interface RetryBudgetOptions {
  /** Retry tokens each call earns: 0.1 allows one retry per ten calls. Default 0.1. */
  ratio?: number;
  /** Tokens in the bucket at the start, before any call has earned one. Default 10. */
  initialTokens?: number;
  /** The most tokens the bucket holds, so a quiet hour cannot bank a storm. Default 100. */
  maxTokens?: number;
}

/** Float dust from adding 0.1 ten times (0.9999999999999999) must not cost a retry. */
const TOKEN_EPSILON = 1e-9;

/** A token bucket shared by every caller of one dependency. */
export class RetryBudget {
  readonly ratio: number;
  readonly maxTokens: number;
  #tokens: number;

  constructor(options: RetryBudgetOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`RetryBudget: options must be an object, received ${describeValue(options)}`);
    }
    const ratio = options.ratio ?? 0.1;
    const initialTokens = options.initialTokens ?? 10;
    const maxTokens = options.maxTokens ?? Math.max(100, initialTokens);
    for (const [name, value] of [
      ['ratio', ratio],
      ['initialTokens', initialTokens],
      ['maxTokens', maxTokens],
    ] as const) {
      requireNumber(`RetryBudget: ${name}`, value);
      if (!(Number.isFinite(value) && value >= 0)) {
        throw new RangeError(`RetryBudget: ${name} must be a finite number >= 0, received ${value}`);
      }
    }
    if (maxTokens < initialTokens) {
      throw new RangeError(`RetryBudget: maxTokens must be >= initialTokens (${initialTokens}), received ${maxTokens}`);
    }
    this.ratio = ratio;
    this.maxTokens = maxTokens;
    this.#tokens = initialTokens;
  }

  /** Tokens left: how many retries the budget would grant right now. */
  get tokens(): number {
    return this.#tokens;
  }

  /** A new call (its first attempt) earns `ratio` tokens, up to `maxTokens`. */
  recordCall(): void {
    this.#tokens = Math.min(this.maxTokens, this.#tokens + this.ratio);
  }

  /** Spends one token for a retry; false, spending nothing, when less than one is left. */
  tryAcquireRetry(): boolean {
    if (this.#tokens < 1 - TOKEN_EPSILON) return false;
    this.#tokens = Math.max(0, this.#tokens - 1);
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// CircuitBreaker
// ---------------------------------------------------------------------------------------------

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitStateChange {
  readonly from: CircuitState;
  readonly to: CircuitState;
  /** The injected clock's time of the change. */
  readonly at: number;
}

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long the circuit stays open before it lets a trial call through. Default 30 000. */
  resetTimeoutMs?: number;
  /** Trial calls allowed at once while half-open. Default 1. */
  halfOpenMaxCalls?: number;
  now?: () => number;
  onStateChange?: (change: CircuitStateChange) => void;
}

type Admission =
  { readonly kind: 'closed'; readonly epoch: number } | { readonly kind: 'trial'; readonly epoch: number };

export class CircuitBreaker {
  readonly failureThreshold: number;
  readonly resetTimeoutMs: number;
  readonly halfOpenMaxCalls: number;
  readonly #now: () => number;
  readonly #onStateChange: ((change: CircuitStateChange) => void) | undefined;
  #state: CircuitState = 'closed';
  /** Bumped on every transition, so a call admitted under an old state cannot move the new one. */
  #epoch = 0;
  #consecutiveFailures = 0;
  #openedAt = 0;
  #trialsInFlight = 0;

  constructor(options: CircuitBreakerOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`CircuitBreaker: options must be an object, received ${describeValue(options)}`);
    }
    const failureThreshold = options.failureThreshold ?? 5;
    const resetTimeoutMs = options.resetTimeoutMs ?? 30_000;
    const halfOpenMaxCalls = options.halfOpenMaxCalls ?? 1;
    for (const [name, value] of [
      ['failureThreshold', failureThreshold],
      ['halfOpenMaxCalls', halfOpenMaxCalls],
    ] as const) {
      requireNumber(`CircuitBreaker: ${name}`, value);
      if (!(Number.isInteger(value) && value >= 1)) {
        throw new RangeError(`CircuitBreaker: ${name} must be a whole number >= 1, received ${value}`);
      }
    }
    requireNumber('CircuitBreaker: resetTimeoutMs', resetTimeoutMs);
    if (!(Number.isFinite(resetTimeoutMs) && resetTimeoutMs >= 0)) {
      throw new RangeError(`CircuitBreaker: resetTimeoutMs must be a finite number >= 0, received ${resetTimeoutMs}`);
    }
    for (const name of ['now', 'onStateChange'] as const) {
      const value: unknown = options[name];
      if (value !== undefined && typeof value !== 'function') {
        throw new TypeError(`CircuitBreaker: ${name} must be a function, received ${describeValue(value)}`);
      }
    }
    this.failureThreshold = failureThreshold;
    this.resetTimeoutMs = resetTimeoutMs;
    this.halfOpenMaxCalls = halfOpenMaxCalls;
    this.#now = options.now ?? Date.now;
    this.#onStateChange = options.onStateChange;
  }

  /** The state now: an open circuit whose timeout has passed reads as half-open. */
  get state(): CircuitState {
    this.#halfOpenIfDue();
    return this.#state;
  }

  /** Calls `fn` if the circuit allows it; otherwise rejects with CircuitOpenError without calling it. */
  async execute<T>(fn: () => T | Promise<T>): Promise<T> {
    const admission = this.#admit();
    try {
      const value = await fn();
      this.#record(admission, true);
      return value;
    } catch (error) {
      this.#record(admission, false);
      throw error;
    } finally {
      if (admission.kind === 'trial' && admission.epoch === this.#epoch) this.#trialsInFlight--;
    }
  }

  #admit(): Admission {
    this.#halfOpenIfDue();
    if (this.#state === 'open') {
      throw new CircuitOpenError(this.#openedAt + this.resetTimeoutMs - this.#now());
    }
    if (this.#state === 'half-open') {
      if (this.#trialsInFlight >= this.halfOpenMaxCalls) throw new CircuitOpenError(0);
      this.#trialsInFlight++;
      return { kind: 'trial', epoch: this.#epoch };
    }
    return { kind: 'closed', epoch: this.#epoch };
  }

  #record(admission: Admission, succeeded: boolean): void {
    // A call admitted before the last transition says nothing about the service now.
    if (admission.epoch !== this.#epoch) return;
    if (admission.kind === 'trial') {
      if (succeeded) {
        this.#consecutiveFailures = 0;
        this.#transition('closed');
      } else {
        this.#open();
      }
      return;
    }
    if (succeeded) {
      this.#consecutiveFailures = 0;
    } else if (++this.#consecutiveFailures >= this.failureThreshold) {
      this.#open();
    }
  }

  #open(): void {
    this.#openedAt = this.#now();
    this.#transition('open');
  }

  #halfOpenIfDue(): void {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.resetTimeoutMs) this.#transition('half-open');
  }

  #transition(to: CircuitState): void {
    const from = this.#state;
    this.#state = to;
    this.#epoch++;
    this.#trialsInFlight = 0;
    this.#onStateChange?.({ from, to, at: this.#now() });
  }
}

// ---------------------------------------------------------------------------------------------
// createSubscriptionWithRetry()
// ---------------------------------------------------------------------------------------------

export interface ChargeRequest {
  readonly userId: string;
  readonly productId: string;
  /** The same key on every attempt: the gateway charges a key at most once. */
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
  /** 'queued' when the confirmation failed and was handed to the notification queue. */
  readonly notification: 'sent' | 'queued';
}

export interface NotificationService {
  sendSubscriptionConfirmation(subscription: SubscriptionRecord): Promise<void>;
}

export interface NotificationJob {
  readonly subscriptionId: string;
  readonly userId: string;
  readonly productId: string;
  /** Why the confirmation could not be sent now. */
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
  /** The client's key for this purchase, when it has one; otherwise one is made per call. */
  readonly idempotencyKey?: string;
  /** Retry options for the payment: clock, sleep, random, budget, breaker, limits. */
  readonly retry?: RetryOptions;
}

/** The seeds' createSubscriptionWithRetry: charge at most once, confirm or queue the confirmation. */
export async function createSubscriptionWithRetry(request: CreateSubscriptionRequest): Promise<Subscription> {
  if (typeof request !== 'object' || request === null) {
    throw new TypeError(`createSubscriptionWithRetry: request must be an object, received ${describeValue(request)}`);
  }
  const { userId, productId, paymentService, notificationService, notificationQueue } = request;
  requireText('userId', userId);
  requireText('productId', productId);
  if (request.idempotencyKey !== undefined) requireText('idempotencyKey', request.idempotencyKey);
  requirePort('paymentService', paymentService, 'charge');
  requirePort('notificationService', notificationService, 'sendSubscriptionConfirmation');
  requirePort('notificationQueue', notificationQueue, 'enqueue');

  // One key for the whole purchase: a retry after a lost response replays the first charge.
  const idempotencyKey = request.idempotencyKey ?? randomUUID();
  const charge = await retry(
    () => paymentService.charge({ userId, productId, idempotencyKey }),
    request.retry ?? { maxAttempts: 5 },
  );
  const record: SubscriptionRecord = { id: randomUUID(), userId, productId, chargeId: charge.chargeId };
  try {
    await notificationService.sendSubscriptionConfirmation(record);
    return { ...record, status: 'active', notification: 'sent' };
  } catch (error) {
    // The customer has paid: a mail provider that is down for two hours must not undo that.
    // The queue's worker retries with the notification deep dive's 2^attempts backoff.
    await notificationQueue.enqueue({ subscriptionId: record.id, userId, productId, error });
    return { ...record, status: 'active', notification: 'queued' };
  }
}

function requireText(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(
      `createSubscriptionWithRetry: ${name} must be a non-empty string, received ${describeValue(value)}`,
    );
  }
}

function requirePort(name: string, value: unknown, method: string): void {
  if (typeof value !== 'object' || value === null || typeof (value as Record<string, unknown>)[method] !== 'function') {
    throw new TypeError(
      `createSubscriptionWithRetry: ${name} must be an object with a ${method}() method, received ${describeValue(value)}`,
    );
  }
}
