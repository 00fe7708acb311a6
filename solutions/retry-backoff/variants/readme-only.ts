/**
 * Variant: written from the README alone by someone who never read the reference, copied as it
 * was handed in (only this header added, and prettier run over it). Its choices differ from the
 * reference where the README leaves them open: it checks maxAttempts before asking shouldRetry,
 * so the last attempt always gives up with 'attempts-exhausted'; it races shouldRetry's promise
 * against the signal too; it parses HTTP dates with its own strict parser (whose asctime branch
 * reads the year from a group that does not exist, so asctime dates are ignored, which the README
 * allows); it rounds the budget's balance to 1e-9, duck-types an AbortSignal and describes bad
 * values with util.inspect (so a string arrives as 'three', without the word "string").
 */
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';

/*
 * A retrier that does not overwhelm a failing service. See README.md for the full contract.
 *
 * Time, sleeping and randomness are always injectable (`now`, `sleep`, `random`): the tests
 * never sleep for real, and neither should your code when they are given.
 */

// ---------------------------------------------------------------------------------------------
// Errors: part of the API, already written. Tests identify them by `code`.
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

// ---------------------------------------------------------------------------------------------
// Validation helpers
// ---------------------------------------------------------------------------------------------

function show(value: unknown): string {
  try {
    return inspect(value, { depth: 1, breakLength: Infinity });
  } catch {
    return String(value);
  }
}

function isObjectLike(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

function checkOptionsObject(name: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object, received ${show(value)}`);
  }
  return value as Record<string, unknown>;
}

function checkNumber(name: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, received ${show(value)}`);
  if (Number.isNaN(value)) throw new RangeError(`${name} must be a number, received ${show(value)}`);
  return value;
}

function checkFiniteAtLeast(name: string, value: unknown, min: number): number {
  const n = checkNumber(name, value);
  if (!Number.isFinite(n) || n < min) {
    throw new RangeError(`${name} must be a finite number >= ${min}, received ${show(value)}`);
  }
  return n;
}

function checkWholeAtLeast(name: string, value: unknown, min: number): number {
  const n = checkNumber(name, value);
  if (!Number.isInteger(n) || n < min) {
    throw new RangeError(`${name} must be a whole number >= ${min}, received ${show(value)}`);
  }
  return n;
}

function checkOptionalFunction<F>(name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new TypeError(`${name} must be a function, received ${show(value)}`);
  return value as F;
}

// ---------------------------------------------------------------------------------------------
// retry()
// ---------------------------------------------------------------------------------------------

export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';

const JITTERS: readonly string[] = ['none', 'full', 'equal', 'decorrelated'];

export interface RetryEvent {
  /** The attempt that just failed, counted from 1. */
  readonly attempt: number;
  readonly error: unknown;
  /** How long retry() will sleep before the next attempt. */
  readonly delayMs: number;
}

export interface RetryOptions {
  /** Total calls of fn, the first one included (not the number of retries). Default 3. */
  maxAttempts?: number;
  /** The first delay's ceiling in ms. Default 100. */
  baseDelayMs?: number;
  /** No delay is ever longer than this, Retry-After included. Default 20 000. */
  maxDelayMs?: number;
  /** Growth of the ceiling per attempt. Default 2. */
  factor?: number;
  /** Default 'full'. */
  jitter?: Jitter;
  /** Whether the error of attempt `attempt` (from 1) is worth another try. Default: unless error.retryable === false. */
  shouldRetry?: (error: unknown, attempt: number) => boolean | Promise<boolean>;
  /** Called before each sleep. */
  onRetry?: (event: RetryEvent) => void;
  /** Aborting rejects at once with signal.reason; fn is never called again. */
  signal?: AbortSignal;
  /** Shared by many callers: a retry needs a token. */
  budget?: RetryBudget;
  /** Shared by many callers: every attempt goes through it. */
  breaker?: CircuitBreaker;
  /** Current time in epoch ms. Default Date.now. */
  now?: () => number;
  /** Resolves after `ms`; rejects with signal.reason if the signal aborts. Default: a setTimeout. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** A number in [0, 1). Default Math.random. */
  random?: () => number;
}

interface ResolvedRetryOptions {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  factor: number;
  jitter: Jitter;
  shouldRetry: (error: unknown, attempt: number) => boolean | Promise<boolean>;
  onRetry: ((event: RetryEvent) => void) | undefined;
  signal: AbortSignal | undefined;
  budget: Pick<RetryBudget, 'recordCall' | 'tryAcquireRetry'> | undefined;
  breaker: Pick<CircuitBreaker, 'execute'> | undefined;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
}

function defaultShouldRetry(error: unknown): boolean {
  return !(isObjectLike(error) && error.retryable === false);
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
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

function isAbortSignal(value: unknown): value is AbortSignal {
  if (typeof AbortSignal !== 'undefined' && value instanceof AbortSignal) return true;
  return (
    isObjectLike(value) &&
    typeof value.aborted === 'boolean' &&
    typeof value.addEventListener === 'function' &&
    typeof value.removeEventListener === 'function'
  );
}

function resolveRetryOptions(fn: unknown, options: unknown): ResolvedRetryOptions {
  if (typeof fn !== 'function') throw new TypeError(`fn must be a function, received ${show(fn)}`);
  const o = checkOptionsObject('options', options);

  const maxAttempts = o.maxAttempts === undefined ? 3 : checkWholeAtLeast('maxAttempts', o.maxAttempts, 1);
  const baseDelayMs = o.baseDelayMs === undefined ? 100 : checkFiniteAtLeast('baseDelayMs', o.baseDelayMs, 0);
  const maxDelayMs = o.maxDelayMs === undefined ? 20_000 : checkFiniteAtLeast('maxDelayMs', o.maxDelayMs, 0);
  if (maxDelayMs < baseDelayMs) {
    throw new RangeError(
      `maxDelayMs must be >= baseDelayMs (${show(baseDelayMs)}), received maxDelayMs ${show(maxDelayMs)}`,
    );
  }
  const factor = o.factor === undefined ? 2 : checkFiniteAtLeast('factor', o.factor, 1);

  let jitter: Jitter = 'full';
  if (o.jitter !== undefined) {
    if (typeof o.jitter !== 'string') throw new TypeError(`jitter must be a string, received ${show(o.jitter)}`);
    if (!JITTERS.includes(o.jitter)) {
      throw new RangeError(`jitter must be one of ${JITTERS.join(', ')}, received ${show(o.jitter)}`);
    }
    jitter = o.jitter as Jitter;
  }

  const shouldRetry =
    checkOptionalFunction<ResolvedRetryOptions['shouldRetry']>('shouldRetry', o.shouldRetry) ?? defaultShouldRetry;
  const onRetry = checkOptionalFunction<(event: RetryEvent) => void>('onRetry', o.onRetry);

  let signal: AbortSignal | undefined;
  if (o.signal !== undefined) {
    if (!isAbortSignal(o.signal)) throw new TypeError(`signal must be an AbortSignal, received ${show(o.signal)}`);
    signal = o.signal;
  }

  let budget: ResolvedRetryOptions['budget'];
  if (o.budget !== undefined) {
    const b = o.budget;
    if (!isObjectLike(b) || typeof b.recordCall !== 'function' || typeof b.tryAcquireRetry !== 'function') {
      throw new TypeError(`budget must be a RetryBudget, received ${show(b)}`);
    }
    budget = b as unknown as ResolvedRetryOptions['budget'];
  }

  let breaker: ResolvedRetryOptions['breaker'];
  if (o.breaker !== undefined) {
    const b = o.breaker;
    if (!isObjectLike(b) || typeof b.execute !== 'function') {
      throw new TypeError(`breaker must be a CircuitBreaker, received ${show(b)}`);
    }
    breaker = b as unknown as ResolvedRetryOptions['breaker'];
  }

  const now = checkOptionalFunction<() => number>('now', o.now) ?? Date.now;
  const sleep = checkOptionalFunction<ResolvedRetryOptions['sleep']>('sleep', o.sleep) ?? defaultSleep;
  const random = checkOptionalFunction<() => number>('random', o.random) ?? Math.random;

  return {
    maxAttempts,
    baseDelayMs,
    maxDelayMs,
    factor,
    jitter,
    shouldRetry,
    onRetry,
    signal,
    budget,
    breaker,
    now,
    sleep,
    random,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC_850 = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`);

function utcOf(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  if (month < 0 || month > 11 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return NaN;
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  date.setUTCHours(hour, minute, second, 0);
  // An impossible day (31 February) rolls over into the next month: reject it.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month || date.getUTCDate() !== day) return NaN;
  return date.getTime();
}

/** Parses an HTTP date (IMF-fixdate, or the obsolete RFC 850 and asctime forms); NaN when it is not one. */
function parseHttpDate(value: string): number {
  let m = IMF_FIXDATE.exec(value);
  if (m) {
    return utcOf(Number(m[3]), MONTHS.indexOf(m[2]!), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  m = RFC_850.exec(value);
  if (m) {
    const yy = Number(m[3]);
    return utcOf(
      yy < 70 ? 2000 + yy : 1900 + yy,
      MONTHS.indexOf(m[2]!),
      Number(m[1]),
      Number(m[4]),
      Number(m[5]),
      Number(m[6]),
    );
  }
  m = ASCTIME.exec(value);
  if (m) {
    return utcOf(Number(m[7]), MONTHS.indexOf(m[1]!), Number(m[2]!.trim()), Number(m[3]), Number(m[4]), Number(m[5]));
  }
  return NaN;
}

/** The Retry-After hint of an error in ms, or undefined when it has none worth listening to. */
function retryAfterHintMs(error: unknown, now: () => number): number | undefined {
  if (!isObjectLike(error)) return undefined;
  let value: unknown;
  try {
    value = error.retryAfter;
  } catch {
    return undefined;
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = parseHttpDate(text);
  if (Number.isNaN(at)) return undefined;
  const ms = at - now();
  return Number.isFinite(ms) ? ms : undefined;
}

/** Settles like `promise`, or rejects with `signal.reason` as soon as the signal aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function callSafely<T>(call: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(call());
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Calls `fn(attempt)` until it succeeds, sleeping between attempts. Rejects with a RetryError
 * when it gives up, or with `signal.reason` as soon as the signal aborts.
 */
export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options?: RetryOptions): Promise<T> {
  const o = resolveRetryOptions(fn, options);
  const { signal } = o;
  if (signal?.aborted) throw signal.reason;

  o.budget?.recordCall();

  const errors: unknown[] = [];
  let previous = o.baseDelayMs; // for 'decorrelated'
  let calls = 0;

  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw signal.reason;

    let called = false;
    const invoke = (): T | Promise<T> => {
      called = true;
      calls++;
      return fn(attempt);
    };
    const pending = o.breaker ? callSafely(() => o.breaker!.execute(invoke)) : callSafely(invoke);

    let error: unknown;
    try {
      return await untilAborted(pending, signal);
    } catch (thrown) {
      if (signal?.aborted) throw signal.reason;
      if (!called) throw new RetryError('circuit-open', calls, errors.slice(), thrown);
      error = thrown;
    }
    errors.push(error);

    if (attempt >= o.maxAttempts) throw new RetryError('attempts-exhausted', calls, errors.slice(), error);

    const worthIt = await untilAborted(
      callSafely(() => o.shouldRetry(error, attempt)),
      signal,
    );
    if (!worthIt) throw new RetryError('not-retryable', calls, errors.slice(), error);

    if (o.budget && !o.budget.tryAcquireRetry()) {
      throw new RetryError('budget-exhausted', calls, errors.slice(), error);
    }

    // The delay: capped exponential backoff with jitter, then the server's Retry-After hint.
    let delay: number;
    if (o.jitter === 'decorrelated') {
      delay = Math.min(o.maxDelayMs, o.baseDelayMs + o.random() * (3 * previous - o.baseDelayMs));
      if (!(delay >= 0)) delay = o.baseDelayMs;
      previous = delay;
    } else {
      const growth = o.baseDelayMs === 0 ? 0 : o.baseDelayMs * o.factor ** (attempt - 1);
      const ceiling = Math.min(o.maxDelayMs, growth);
      if (o.jitter === 'none') delay = ceiling;
      else if (o.jitter === 'full') delay = o.random() * ceiling;
      else delay = ceiling / 2 + (o.random() * ceiling) / 2;
    }
    const hint = retryAfterHintMs(error, o.now);
    if (hint !== undefined && hint > delay) delay = hint;
    delay = Math.min(o.maxDelayMs, delay);
    if (!(delay >= 0)) delay = 0;

    o.onRetry?.({ attempt, error, delayMs: delay });
    if (signal?.aborted) throw signal.reason;
    await untilAborted(
      callSafely(() => o.sleep(delay, signal)),
      signal,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// RetryBudget
// ---------------------------------------------------------------------------------------------

export interface RetryBudgetOptions {
  /** Retry tokens each call earns: 0.1 allows one retry per ten calls. Default 0.1. */
  ratio?: number;
  /** Tokens in the bucket at the start, before any call has earned one. Default 10. */
  initialTokens?: number;
  /** The most tokens the bucket holds. Default 100. */
  maxTokens?: number;
}

/** Keeps sums of decimal ratios exact enough: ten calls at 0.1 earn one whole token. */
function tidy(n: number): number {
  return Math.round(n * 1e9) / 1e9;
}

/** A token bucket shared by every caller of one dependency (like the AWS SDKs' retry quota). */
export class RetryBudget {
  readonly #ratio: number;
  readonly #maxTokens: number;
  #tokens: number;

  constructor(options?: RetryBudgetOptions) {
    const o = checkOptionsObject('options', options);
    this.#ratio = o.ratio === undefined ? 0.1 : checkFiniteAtLeast('ratio', o.ratio, 0);
    const initialTokens = o.initialTokens === undefined ? 10 : checkFiniteAtLeast('initialTokens', o.initialTokens, 0);
    let maxTokens = 100;
    if (o.maxTokens !== undefined) {
      maxTokens = checkNumber('maxTokens', o.maxTokens);
      if (maxTokens < 0) throw new RangeError(`maxTokens must be a number >= 0, received ${show(o.maxTokens)}`);
    }
    if (initialTokens > maxTokens) {
      throw new RangeError(
        `initialTokens must be <= maxTokens (${show(maxTokens)}), received initialTokens ${show(initialTokens)}`,
      );
    }
    this.#maxTokens = maxTokens;
    this.#tokens = initialTokens;
  }

  /** Tokens left: how many retries the budget would grant right now. */
  get tokens(): number {
    return this.#tokens;
  }

  /** A new call (its first attempt) earns `ratio` tokens, up to `maxTokens`. */
  recordCall(): void {
    this.#tokens = Math.min(this.#maxTokens, tidy(this.#tokens + this.#ratio));
  }

  /** Spends one token for a retry; false, spending nothing, when less than one is left. */
  tryAcquireRetry(): boolean {
    if (this.#tokens < 1) return false;
    this.#tokens = tidy(this.#tokens - 1);
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
  /** Current time in epoch ms. Default Date.now. */
  now?: () => number;
  /** Called on every state change. */
  onStateChange?: (change: CircuitStateChange) => void;
}

export class CircuitBreaker {
  readonly #failureThreshold: number;
  readonly #resetTimeoutMs: number;
  readonly #halfOpenMaxCalls: number;
  readonly #now: () => number;
  readonly #onStateChange: ((change: CircuitStateChange) => void) | undefined;

  #state: CircuitState = 'closed';
  /** Bumped on every state change: a call admitted under an older generation moves nothing. */
  #generation = 0;
  #failures = 0;
  #openedAt = 0;
  #trials = 0;

  constructor(options?: CircuitBreakerOptions) {
    const o = checkOptionsObject('options', options);
    this.#failureThreshold =
      o.failureThreshold === undefined ? 5 : checkWholeAtLeast('failureThreshold', o.failureThreshold, 1);
    this.#resetTimeoutMs =
      o.resetTimeoutMs === undefined ? 30_000 : checkFiniteAtLeast('resetTimeoutMs', o.resetTimeoutMs, 0);
    this.#halfOpenMaxCalls =
      o.halfOpenMaxCalls === undefined ? 1 : checkWholeAtLeast('halfOpenMaxCalls', o.halfOpenMaxCalls, 1);
    this.#now = checkOptionalFunction<() => number>('now', o.now) ?? Date.now;
    this.#onStateChange = checkOptionalFunction<(change: CircuitStateChange) => void>('onStateChange', o.onStateChange);
  }

  get state(): CircuitState {
    this.#refresh();
    return this.#state;
  }

  /** Calls `fn` if the circuit allows it; otherwise rejects with CircuitOpenError without calling it. */
  async execute<T>(fn: () => T | Promise<T>): Promise<T> {
    if (typeof fn !== 'function') throw new TypeError(`fn must be a function, received ${show(fn)}`);
    this.#refresh();

    if (this.#state === 'open') {
      throw new CircuitOpenError(Math.max(0, this.#openedAt + this.#resetTimeoutMs - this.#now()));
    }
    const trial = this.#state === 'half-open';
    if (trial) {
      if (this.#trials >= this.#halfOpenMaxCalls) throw new CircuitOpenError(0);
      this.#trials++;
    }
    const generation = this.#generation;

    let result: T;
    try {
      result = await fn();
    } catch (error) {
      if (generation === this.#generation) this.#onFailure(trial);
      throw error;
    }
    if (generation === this.#generation) this.#onSuccess(trial);
    return result;
  }

  #onSuccess(trial: boolean): void {
    if (trial) {
      this.#trials--;
      this.#transition('closed');
    } else {
      this.#failures = 0;
    }
  }

  #onFailure(trial: boolean): void {
    if (trial) {
      this.#trials--;
      this.#transition('open');
      return;
    }
    this.#failures++;
    if (this.#failures >= this.#failureThreshold) this.#transition('open');
  }

  /** Notices, lazily, that the open circuit's timeout has passed. */
  #refresh(): void {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#resetTimeoutMs) {
      this.#transition('half-open');
    }
  }

  #transition(to: CircuitState): void {
    const from = this.#state;
    const at = this.#now();
    this.#state = to;
    this.#generation++;
    this.#failures = 0;
    this.#trials = 0;
    if (to === 'open') this.#openedAt = at;
    if (this.#onStateChange) {
      try {
        this.#onStateChange({ from, to, at });
      } catch {
        // A listener's failure must not corrupt the state machine.
      }
    }
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
  /** The client's key for this purchase, when it has one; otherwise make one per call. */
  readonly idempotencyKey?: string;
  /** Retry options for the payment: clock, sleep, random, budget, breaker, limits. */
  readonly retry?: RetryOptions;
}

function checkNonEmptyString(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a non-empty string, received ${show(value)}`);
  if (value.length === 0) throw new RangeError(`${name} must be a non-empty string, received ${show(value)}`);
  return value;
}

function checkPort(name: string, port: unknown, method: string): void {
  if (!isObjectLike(port) || typeof port[method] !== 'function') {
    throw new TypeError(`${name}.${method} must be a function, received ${show(port)}`);
  }
}

/**
 * Charges the payment (retrying, at most one charge), then sends the confirmation; a failed
 * confirmation is queued and never fails the subscription.
 */
export async function createSubscriptionWithRetry(request: CreateSubscriptionRequest): Promise<Subscription> {
  if (!isObjectLike(request)) throw new TypeError(`request must be an object, received ${show(request)}`);
  const userId = checkNonEmptyString('userId', request.userId);
  const productId = checkNonEmptyString('productId', request.productId);
  checkPort('paymentService', request.paymentService, 'charge');
  checkPort('notificationService', request.notificationService, 'sendSubscriptionConfirmation');
  checkPort('notificationQueue', request.notificationQueue, 'enqueue');
  const idempotencyKey =
    request.idempotencyKey === undefined ? randomUUID() : checkNonEmptyString('idempotencyKey', request.idempotencyKey);
  const { paymentService, notificationService, notificationQueue } = request;

  const charge = await retry(() => paymentService.charge({ userId, productId, idempotencyKey }), request.retry);
  const chargeId = charge.chargeId;

  const id = randomUUID();
  const record: SubscriptionRecord = { id, userId, productId, chargeId };
  let notification: 'sent' | 'queued';
  try {
    await notificationService.sendSubscriptionConfirmation({ ...record });
    notification = 'sent';
  } catch (error) {
    await notificationQueue.enqueue({ subscriptionId: id, userId, productId, error });
    notification = 'queued';
  }

  return { id, userId, productId, chargeId, status: 'active', notification };
}
