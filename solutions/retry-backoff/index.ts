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
import { setTimeout as wait } from 'node:timers/promises';

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
    // Stryker disable next-line StringLiteral: the message's wording is not part of the contract.
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
    // Stryker disable all: the message's wording is not part of the contract.
    super(
      retryAfterMs > 0
        ? `circuit open: calls are refused for another ${Math.ceil(retryAfterMs)} ms`
        : 'circuit half-open: a trial call is already running',
    );
    // Stryker restore all
    this.name = 'CircuitOpenError';
    this.retryAfterMs = retryAfterMs;
  }
}

// Stryker disable all: the wording of RetryError's message is not part of the contract.
function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
// Stryker restore all

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
  return new RetryCall(fn, options).run();
}

/**
 * One call of retry(): its settings and its attempts so far. The steps of the loop are protected
 * methods so that a file in the wrong/ gallery can override exactly one of them.
 */
export class RetryCall<T> {
  protected readonly settings: RetrySettings;
  protected readonly errors: unknown[] = [];
  /** The previous delay decorrelated jitter produced (never the Retry-After hint). */
  protected previousDelay: number;
  /** Rejects when the signal aborts; set when the call starts. */
  protected aborted: AbortWatch = NEVER_ABORTED;

  constructor(
    protected readonly fn: (attempt: number) => T | Promise<T>,
    options: RetryOptions,
  ) {
    if (typeof fn !== 'function') throw new TypeError(`retry: fn must be a function, received ${describeValue(fn)}`);
    this.settings = resolveRetryOptions(options);
    this.previousDelay = this.settings.baseDelayMs;
  }

  async run(): Promise<T> {
    const { signal } = this.settings;
    signal?.throwIfAborted();
    this.aborted = whenAborted(signal);
    this.settings.budget?.recordCall();
    try {
      for (let attempt = 1; ; attempt++) {
        let called = false;
        const call = (): T | Promise<T> => {
          called = true;
          return this.fn(attempt);
        };
        try {
          return await this.waitForAttempt(this.settings.breaker ? this.settings.breaker.execute(call) : call());
        } catch (error) {
          if (signal?.aborted) throw signal.reason;
          // The breaker refused without calling fn: the service is known to be down, so stop.
          if (!called) throw new RetryError('circuit-open', this.errors.length, this.errors, error);
          this.errors.push(error);
          const giveUp = await this.giveUpReason(error, attempt);
          if (giveUp !== undefined) throw new RetryError(giveUp, attempt, this.errors, error);
          const delayMs = this.delayAfter(attempt, error);
          this.settings.onRetry?.({ attempt, error, delayMs });
          await this.waitForSleep(this.settings.sleep(delayMs, signal));
        }
      }
    } finally {
      this.stopWatching();
    }
  }

  /** Removes the abort listener: a long-lived signal must not collect one per call. */
  protected stopWatching(): void {
    this.aborted.dispose();
  }

  /** The attempt's result, unless the signal aborts first: then its reason, at once. */
  protected waitForAttempt(work: T | Promise<T>): T | Promise<T> {
    return race(work, this.aborted.promise);
  }

  /** The end of a sleep, unless the signal aborts first, even if the sleep ignores the signal. */
  protected async waitForSleep(work: Promise<void>): Promise<void> {
    await race(work, this.aborted.promise);
  }

  /**
   * Why retry() stops after this failure, or undefined to go on. Asked in this order, so that
   * everything that ends the loop ends it before the sleep, and a token is only spent on a retry
   * that will happen.
   */
  protected async giveUpReason(error: unknown, attempt: number): Promise<GiveUpReason | undefined> {
    if (!(await this.settings.shouldRetry(error, attempt))) return 'not-retryable';
    if (attempt >= this.settings.maxAttempts) return 'attempts-exhausted';
    // Ask the budget before sleeping: a refused retry should fail now, not after a wait.
    if (this.settings.budget && !this.settings.budget.tryAcquireRetry()) return 'budget-exhausted';
    return undefined;
  }

  /** The delay after failed attempt `attempt`: the backoff, raised to a Retry-After hint, capped. */
  protected delayAfter(attempt: number, error: unknown): number {
    const backoff = this.backoffDelay(attempt);
    // Only decorrelated jitter reads it; the others have no use for it.
    this.previousDelay = backoff;
    const hint = this.retryAfterMs(error);
    return hint === undefined ? backoff : Math.min(this.settings.maxDelayMs, Math.max(backoff, hint));
  }

  /**
   * The delay after failed attempt `attempt` (from 1), before any Retry-After hint. The ceiling
   * min(cap, base * factor^(attempt - 1)) is computed first so a huge exponent saturates at the
   * cap instead of turning into Infinity * 0 = NaN.
   */
  protected backoffDelay(attempt: number): number {
    const { baseDelayMs, maxDelayMs, factor, random } = this.settings;
    const ceiling = baseDelayMs === 0 ? 0 : Math.min(maxDelayMs, baseDelayMs * factor ** (attempt - 1));
    switch (this.settings.jitter) {
      case 'none':
        return ceiling;
      case 'full':
        return unitRandom(random) * ceiling;
      case 'equal':
        return ceiling / 2 + (unitRandom(random) * ceiling) / 2;
      case 'decorrelated':
        // AWS Architecture Blog: sleep = min(cap, random_between(base, sleep * 3)), sleep starting at base.
        return Math.min(maxDelayMs, baseDelayMs + unitRandom(random) * (this.previousDelay * 3 - baseDelayMs));
    }
  }

  /** The error's Retry-After hint in milliseconds, measured from now(); undefined when it has none. */
  protected retryAfterMs(error: unknown): number | undefined {
    return retryAfterMs(error, this.settings.now);
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
export function retryAfterMs(error: unknown, now: () => number): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const hint: unknown = (error as { retryAfter?: unknown }).retryAfter;
  if (typeof hint === 'number') return Number.isFinite(hint) && hint >= 0 ? hint * 1000 : undefined;
  if (typeof hint !== 'string') return undefined;
  if (/^[0-9]+$/.test(hint)) return Number(hint) * 1000;
  const at = parseHttpDate(hint);
  return at === undefined ? undefined : Math.max(0, at - now());
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The three forms of RFC 9110, section 5.6.7: IMF-fixdate, the obsolete RFC 850 form and asctime,
 * each read as UTC. Date.parse is not used: it accepts nearly anything ("-5" is a date in 2001),
 * rolls 31 February over into March and reads asctime in the local time zone.
 */
const HTTP_DATE_FORMS: readonly { readonly pattern: RegExp; readonly fields: (m: RegExpExecArray) => number[] }[] = [
  {
    pattern: /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/,
    fields: (m) => [+m[3]!, MONTHS.indexOf(m[2]!), +m[1]!, +m[4]!, +m[5]!, +m[6]!],
  },
  // Stryker disable all: the README lets an implementation read or ignore the obsolete forms, and a
  // broken branch here only ignores them.
  {
    pattern:
      /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/,
    // A two-digit year: RFC 9110 reads one more than 50 years ahead as the previous century.
    fields: (m) => [twoDigitYear(+m[3]!), MONTHS.indexOf(m[2]!), +m[1]!, +m[4]!, +m[5]!, +m[6]!],
  },
  {
    pattern: /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/,
    fields: (m) => [+m[6]!, MONTHS.indexOf(m[1]!), +m[2]!.trim(), +m[3]!, +m[4]!, +m[5]!],
  },
  // Stryker restore all
];

// Stryker disable all: used by the obsolete RFC 850 form only (see above).
function twoDigitYear(yy: number): number {
  const thisYear = new Date().getUTCFullYear();
  const year = thisYear - (thisYear % 100) + yy;
  return year > thisYear + 50 ? year - 100 : year;
}
// Stryker restore all

/** Epoch ms of an HTTP date, or undefined when the text is not one or names no real instant. */
function parseHttpDate(text: string): number | undefined {
  for (const form of HTTP_DATE_FORMS) {
    const match = form.pattern.exec(text);
    if (!match) continue;
    const [year, month, day, hour, minute, second] = form.fields(match) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    // An hour of 24 or more rolls over into the next day, which the day check below catches.
    if (month < 0 || minute > 59 || second > 59) return undefined;
    const at = Date.UTC(year, month, day, hour, minute, second);
    // 31 February and day 0 roll over into another month: such a date does not exist.
    return new Date(at).getUTCDate() === day ? at : undefined;
  }
  return undefined;
}

/** Retries anything except an error that says it is permanent. */
function defaultShouldRetry(error: unknown): boolean {
  return !(typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === false);
}

/** A real timer that ends early if the signal aborts, rejecting with its reason. */
function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  // Stryker disable next-line all: retry races the signal itself, so what a sleep rejects with is never seen.
  return wait(ms, undefined, { signal }).catch(() => Promise.reject(signal?.reason));
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
    signal.addEventListener('abort', onAbort);
  });
  // Nobody may be racing it at the moment it rejects; that must not be an unhandled rejection.
  promise.catch(() => {});
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

/** Settles with `work`, unless the abort watch rejects first. */
function race<T>(work: T | Promise<T>, aborted: Promise<never> | undefined): T | Promise<T> {
  return aborted ? Promise.race([work, aborted]) : work;
}

/** An option's value, or its default when it is undefined (null is a value, of the wrong type). */
function given<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

/** Checks every option before anything is called; a bad one throws a TypeError or RangeError naming it. */
export function resolveRetryOptions(options: RetryOptions): RetrySettings {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`retry: options must be an object, received ${describeValue(options)}`);
  }
  // Infinity is not a whole number: a retrier that never gives up is what the budget and breaker prevent.
  const maxAttempts = given(options.maxAttempts, RETRY_DEFAULTS.maxAttempts);
  requireNumber('retry: maxAttempts', maxAttempts);
  if (!(Number.isInteger(maxAttempts) && maxAttempts >= 1)) {
    throw new RangeError(`retry: maxAttempts must be a whole number >= 1, received ${maxAttempts}`);
  }
  const baseDelayMs = given(options.baseDelayMs, RETRY_DEFAULTS.baseDelayMs);
  requireNumber('retry: baseDelayMs', baseDelayMs);
  if (!(Number.isFinite(baseDelayMs) && baseDelayMs >= 0)) {
    throw new RangeError(`retry: baseDelayMs must be a finite number >= 0, received ${baseDelayMs}`);
  }
  // The default cap does not stretch to fit the base: 30 s of base needs a maxDelayMs that says so.
  const maxDelayMs = given(options.maxDelayMs, RETRY_DEFAULTS.maxDelayMs);
  requireNumber('retry: maxDelayMs', maxDelayMs);
  if (Number.isNaN(maxDelayMs) || maxDelayMs < baseDelayMs) {
    throw new RangeError(`retry: maxDelayMs must be >= baseDelayMs (${baseDelayMs}), received ${maxDelayMs}`);
  }
  const factor = given(options.factor, RETRY_DEFAULTS.factor);
  requireNumber('retry: factor', factor);
  if (!(Number.isFinite(factor) && factor >= 1)) {
    throw new RangeError(`retry: factor must be a finite number >= 1, received ${factor}`);
  }
  const jitter = given(options.jitter, RETRY_DEFAULTS.jitter);
  if (!JITTERS.includes(jitter)) {
    throw new RangeError(
      `retry: jitter must be 'none', 'full', 'equal' or 'decorrelated', received ${describeValue(jitter)}`,
    );
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

/** Whether `value` has these methods: anything that does will do as a budget or a breaker. */
function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return value != null && methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function');
}

function requireNumber(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, received ${describeValue(value)}`);
}

/** A value received, for a message: the text of a primitive (a string quoted), the kind of anything else. */
// Stryker disable all: the README asks a message for the value's text only, which every branch here keeps.
function describeValue(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
// Stryker restore all

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
  /** The balance; protected so a file in the wrong/ gallery can override one method. */
  protected balance: number;

  constructor(options: RetryBudgetOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`RetryBudget: options must be an object, received ${describeValue(options)}`);
    }
    const ratio = given(options.ratio, 0.1);
    const initialTokens = given(options.initialTokens, 10);
    // The default cap is 100 whatever the start: more than 100 initial tokens need a maxTokens.
    const maxTokens = given(options.maxTokens, 100);
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
      throw new RangeError(
        `RetryBudget: maxTokens (${maxTokens}) must be >= initialTokens, received initialTokens ${initialTokens}`,
      );
    }
    this.ratio = ratio;
    this.maxTokens = maxTokens;
    this.balance = initialTokens;
  }

  /** The balance: the tokens left, fractions included (a retry needs a whole one). */
  get tokens(): number {
    return this.balance;
  }

  /** A new call (its first attempt) earns `ratio` tokens, up to `maxTokens`. */
  recordCall(): void {
    this.balance = Math.min(this.maxTokens, this.balance + this.ratio);
  }

  /** Spends one token for a retry; false, spending nothing, when less than one is left. */
  tryAcquireRetry(): boolean {
    if (this.balance < 1 - TOKEN_EPSILON) return false;
    this.balance = Math.max(0, this.balance - 1);
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

/** How a call was let through: as a trial or an ordinary call, under which epoch. */
export interface Admission {
  readonly trial: boolean;
  readonly epoch: number;
}

/**
 * Closed, open, half-open, driven by consecutive failures and the injected clock. The state and
 * the steps are protected, not private, so a file in the wrong/ gallery can override one step.
 */
export class CircuitBreaker {
  readonly failureThreshold: number;
  readonly resetTimeoutMs: number;
  readonly halfOpenMaxCalls: number;
  protected readonly now: () => number;
  protected readonly onStateChange: ((change: CircuitStateChange) => void) | undefined;
  protected current: CircuitState = 'closed';
  /** Bumped on every transition, so a call admitted under an old state cannot move the new one. */
  protected epoch = 0;
  protected consecutiveFailures = 0;
  protected openedAt = 0;
  protected trialsInFlight = 0;

  constructor(options: CircuitBreakerOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`CircuitBreaker: options must be an object, received ${describeValue(options)}`);
    }
    const failureThreshold = given(options.failureThreshold, 5);
    const resetTimeoutMs = given(options.resetTimeoutMs, 30_000);
    const halfOpenMaxCalls = given(options.halfOpenMaxCalls, 1);
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
    this.now = options.now ?? Date.now;
    this.onStateChange = options.onStateChange;
  }

  /** The state now: an open circuit whose timeout has passed reads as half-open. */
  get state(): CircuitState {
    this.halfOpenIfDue();
    return this.current;
  }

  /** Calls `fn` if the circuit allows it; otherwise rejects with CircuitOpenError without calling it. */
  async execute<T>(fn: () => T | Promise<T>): Promise<T> {
    const admission = this.admit();
    // A trial's result always changes the state (and so frees the slots); nothing to give back.
    try {
      const value = await fn();
      this.record(admission, true);
      return value;
    } catch (error) {
      this.record(admission, false);
      throw error;
    }
  }

  /** Lets a call through, or throws the refusal. */
  protected admit(): Admission {
    this.halfOpenIfDue();
    if (this.current === 'open') {
      throw new CircuitOpenError(this.openedAt + this.resetTimeoutMs - this.now());
    }
    if (this.current === 'half-open') {
      if (this.trialsInFlight >= this.halfOpenMaxCalls) throw new CircuitOpenError(0);
      this.trialsInFlight++;
      return { trial: true, epoch: this.epoch };
    }
    return { trial: false, epoch: this.epoch };
  }

  /** What a settled call says about the service. */
  protected record(admission: Admission, succeeded: boolean): void {
    // A call admitted before the last transition says nothing about the service now.
    if (admission.epoch !== this.epoch) return;
    if (admission.trial) {
      if (succeeded) {
        this.consecutiveFailures = 0;
        this.transition('closed');
      } else {
        this.open();
      }
      return;
    }
    if (succeeded) {
      this.consecutiveFailures = 0;
    } else if (++this.consecutiveFailures >= this.failureThreshold) {
      this.open();
    }
  }

  protected open(): void {
    this.openedAt = this.now();
    this.transition('open');
  }

  protected halfOpenIfDue(): void {
    if (this.current === 'open' && this.now() - this.openedAt >= this.resetTimeoutMs) this.transition('half-open');
  }

  protected transition(to: CircuitState): void {
    const from = this.current;
    this.current = to;
    this.epoch++;
    this.trialsInFlight = 0;
    this.onStateChange?.({ from, to, at: this.now() });
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
  // A request that is not an object fails the field checks below (or the destructuring, for null).
  const { userId, productId, paymentService, notificationService, notificationQueue } = request;
  requireText('userId', userId);
  requireText('productId', productId);
  if (request.idempotencyKey !== undefined) requireText('idempotencyKey', request.idempotencyKey);
  requirePort('paymentService', paymentService, 'charge');
  requirePort('notificationService', notificationService, 'sendSubscriptionConfirmation');
  requirePort('notificationQueue', notificationQueue, 'enqueue');

  // One key for the whole purchase: a retry after a lost response replays the first charge.
  const idempotencyKey = request.idempotencyKey ?? randomUUID();
  const charge = await retry(() => paymentService.charge({ userId, productId, idempotencyKey }), request.retry);
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
  if (typeof value !== 'string' || value === '') {
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
