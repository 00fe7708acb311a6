/**
 * The README of retry-backoff as plain sequential code: what `retry` must do for a given script
 * of attempts, the delay schedule of every jitter mode for the same random draws (with the cap and
 * Retry-After applied as the README says), which options are bad, and the budget and the breaker
 * as state machines. Written from the README alone; the spec compares implementations with it.
 *
 * Where the README leaves a choice (rounding of delays, whether shouldRetry is asked after the
 * last attempt, when the open-to-half-open change is noticed), the model answers with every
 * allowed possibility: a range of delays, alternative endings, a range of times.
 */

// ---------------------------------------------------------------------------------------------
// Options and defaults
// ---------------------------------------------------------------------------------------------

export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';
export const JITTERS: readonly Jitter[] = ['none', 'full', 'equal', 'decorrelated'];

export const RETRY_DEFAULTS = {
  maxAttempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 20_000,
  factor: 2,
  jitter: 'full',
} as const;
export const BUDGET_DEFAULTS = { ratio: 0.1, initialTokens: 10, maxTokens: 100 } as const;
export const BREAKER_DEFAULTS = { failureThreshold: 5, resetTimeoutMs: 30_000, halfOpenMaxCalls: 1 } as const;

export interface ScheduleOptions {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
  readonly jitter: Jitter;
}

/** The numeric options with their defaults filled in ("undefined takes the default"). */
export function scheduleOf(options: {
  readonly maxAttempts?: number | undefined;
  readonly baseDelayMs?: number | undefined;
  readonly maxDelayMs?: number | undefined;
  readonly factor?: number | undefined;
  readonly jitter?: Jitter | undefined;
}): ScheduleOptions {
  return {
    maxAttempts: options.maxAttempts ?? RETRY_DEFAULTS.maxAttempts,
    baseDelayMs: options.baseDelayMs ?? RETRY_DEFAULTS.baseDelayMs,
    maxDelayMs: options.maxDelayMs ?? RETRY_DEFAULTS.maxDelayMs,
    factor: options.factor ?? RETRY_DEFAULTS.factor,
    jitter: options.jitter ?? RETRY_DEFAULTS.jitter,
  };
}

// ---------------------------------------------------------------------------------------------
// Bad options
// ---------------------------------------------------------------------------------------------

/** Why an option is bad: the option's name, and what the message must mention. */
export interface BadOption {
  readonly option: string;
  /** Text the message must contain, beside the option's name (the value received), if any. */
  readonly received: string | undefined;
  /** Names of which any one will do instead of `option` (a cap below the base). */
  readonly names: readonly string[];
}

/** The text of a received value the README asks a message to contain, when it asks for one. */
export function receivedText(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'number':
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return String(value);
    case 'string':
      return value;
    default:
      return undefined;
  }
}

function bad(option: string, value: unknown, names: readonly string[] = [option]): BadOption {
  return { option, received: receivedText(value), names };
}

const isNumber = (value: unknown): value is number => typeof value === 'number';
const isFunction = (value: unknown): boolean => typeof value === 'function';
const hasMethods = (value: unknown, methods: readonly string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function');

/**
 * The first bad option of a retry() call per the README's list, or undefined when every option is
 * good. `fn` is checked first; the order of the others is not specified, so a call with several
 * bad options is never asked of an implementation.
 */
export function badRetryOption(fn: unknown, options: Readonly<Record<string, unknown>>): BadOption | undefined {
  if (typeof fn !== 'function') return bad('fn', fn);
  const given = (name: string): boolean => options[name] !== undefined;
  const { maxAttempts, baseDelayMs, maxDelayMs, factor, jitter } = options;
  if (given('maxAttempts') && !(isNumber(maxAttempts) && Number.isInteger(maxAttempts) && maxAttempts >= 1)) {
    return bad('maxAttempts', maxAttempts);
  }
  if (given('baseDelayMs') && !(isNumber(baseDelayMs) && Number.isFinite(baseDelayMs) && baseDelayMs >= 0)) {
    return bad('baseDelayMs', baseDelayMs);
  }
  const base = isNumber(baseDelayMs) ? baseDelayMs : RETRY_DEFAULTS.baseDelayMs;
  if (given('maxDelayMs')) {
    if (!(isNumber(maxDelayMs) && !Number.isNaN(maxDelayMs) && maxDelayMs >= base))
      return bad('maxDelayMs', maxDelayMs);
  } else if (RETRY_DEFAULTS.maxDelayMs < base) {
    return bad('maxDelayMs', RETRY_DEFAULTS.maxDelayMs, ['maxDelayMs', 'baseDelayMs']);
  }
  if (given('factor') && !(isNumber(factor) && Number.isFinite(factor) && factor >= 1)) return bad('factor', factor);
  if (given('jitter') && !JITTERS.includes(jitter as Jitter)) return bad('jitter', jitter);
  for (const name of ['shouldRetry', 'onRetry', 'now', 'sleep', 'random']) {
    if (given(name) && !isFunction(options[name])) return bad(name, options[name]);
  }
  if (given('signal') && !(options.signal instanceof AbortSignal)) return bad('signal', options.signal);
  if (given('budget') && !hasMethods(options.budget, ['recordCall', 'tryAcquireRetry'])) {
    return bad('budget', options.budget);
  }
  if (given('breaker') && !hasMethods(options.breaker, ['execute'])) return bad('breaker', options.breaker);
  return undefined;
}

/** The first bad RetryBudget option, or undefined. Only the name is asked of the message. */
export function badBudgetOption(options: Readonly<Record<string, unknown>>): string | undefined {
  const finiteAtLeastZero = (value: unknown): boolean => isNumber(value) && Number.isFinite(value) && value >= 0;
  const { ratio, initialTokens, maxTokens } = options;
  if (ratio !== undefined && !finiteAtLeastZero(ratio)) return 'ratio';
  if (initialTokens !== undefined && !finiteAtLeastZero(initialTokens)) return 'initialTokens';
  const initial = isNumber(initialTokens) ? initialTokens : BUDGET_DEFAULTS.initialTokens;
  if (maxTokens !== undefined && !(isNumber(maxTokens) && !Number.isNaN(maxTokens) && maxTokens >= 0)) {
    return 'maxTokens';
  }
  const max = isNumber(maxTokens) ? maxTokens : BUDGET_DEFAULTS.maxTokens;
  if (max < initial) return maxTokens === undefined ? 'initialTokens' : 'maxTokens';
  return undefined;
}

/** The first bad CircuitBreaker option, or undefined. Only the name is asked of the message. */
export function badBreakerOption(options: Readonly<Record<string, unknown>>): string | undefined {
  const wholeAtLeastOne = (value: unknown): boolean => isNumber(value) && Number.isInteger(value) && value >= 1;
  if (options.failureThreshold !== undefined && !wholeAtLeastOne(options.failureThreshold)) return 'failureThreshold';
  if (options.halfOpenMaxCalls !== undefined && !wholeAtLeastOne(options.halfOpenMaxCalls)) return 'halfOpenMaxCalls';
  const reset = options.resetTimeoutMs;
  if (reset !== undefined && !(isNumber(reset) && !Number.isNaN(reset) && reset >= 0)) return 'resetTimeoutMs';
  for (const name of ['now', 'onStateChange']) {
    if (options[name] !== undefined && !isFunction(options[name])) return name;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Which failures are retried
// ---------------------------------------------------------------------------------------------

/** The default rule: every failure except a value whose retryable property is exactly false. */
export function retriedByDefault(failure: unknown): boolean {
  return !(typeof failure === 'object' && failure !== null && (failure as { retryable?: unknown }).retryable === false);
}

// ---------------------------------------------------------------------------------------------
// Retry-After
// ---------------------------------------------------------------------------------------------

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const SHORT_DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const RFC_850 =
  /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/** Epoch ms of a calendar time in UTC, or undefined when no such time exists (31 Feb, 25:00). */
function utc(year: number, monthName: string, day: number, hour: number, minute: number, second: number) {
  const month = MONTHS.indexOf(monthName);
  if (month === -1 || hour > 23 || minute > 59 || second > 59 || day < 1) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  if (day > daysInMonth) return undefined;
  return Date.UTC(year, month, day, hour, minute, second);
}

/** An HTTP date in one of RFC 9110's three forms, as epoch ms; undefined for anything else. */
export function parseHttpDate(text: string, nowMs: number): number | undefined {
  let match = IMF_FIXDATE.exec(text);
  if (match) return utc(+match[4]!, match[3]!, +match[2]!, +match[5]!, +match[6]!, +match[7]!);
  match = RFC_850.exec(text);
  if (match) {
    // RFC 9110: a two-digit year more than 50 years ahead belongs to the previous century.
    const twoDigits = +match[4]!;
    const thisYear = new Date(nowMs).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + twoDigits;
    if (year > thisYear + 50) year -= 100;
    return utc(year, match[3]!, +match[2]!, +match[5]!, +match[6]!, +match[7]!);
  }
  match = ASCTIME.exec(text);
  if (match) return utc(+match[7]!, match[2]!, +match[3]!.trim(), +match[4]!, +match[5]!, +match[6]!);
  return undefined;
}

/** The three forms of an HTTP date for a whole-second instant, as a server would write them. */
export function formatHttpDate(epochMs: number, form: 'imf' | 'rfc850' | 'asctime'): string {
  const date = new Date(epochMs);
  const two = (n: number): string => String(n).padStart(2, '0');
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  const month = MONTHS[date.getUTCMonth()]!;
  const day = date.getUTCDate();
  switch (form) {
    case 'imf':
      return `${SHORT_DAYS[date.getUTCDay()]}, ${two(day)} ${month} ${date.getUTCFullYear()} ${time} GMT`;
    case 'rfc850':
      return `${LONG_DAYS[date.getUTCDay()]}, ${two(day)}-${month}-${two(date.getUTCFullYear() % 100)} ${time} GMT`;
    case 'asctime':
      return `${SHORT_DAYS[date.getUTCDay()]} ${month} ${String(day).padStart(2, ' ')} ${time} ${date.getUTCFullYear()}`;
  }
}

/** A Retry-After hint in ms; `optional` when the README lets an implementation ignore it. */
export interface Hint {
  readonly ms: number;
  readonly optional: boolean;
}

/**
 * The Retry-After hint of a failure, measured from `nowMs`, or undefined when it has none the
 * README listens to. A date that is not after now gives a hint ≤ 0, which asks for nothing more
 * than the computed delay. IMF-fixdate must be read; the two obsolete forms may be.
 */
export function retryAfterHint(failure: unknown, nowMs: number): Hint | undefined {
  if (typeof failure !== 'object' || failure === null) return undefined;
  const value: unknown = (failure as { retryAfter?: unknown }).retryAfter;
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? { ms: value * 1000, optional: false } : undefined;
  }
  if (typeof value !== 'string') return undefined;
  if (/^[0-9]+$/.test(value)) return { ms: Number(value) * 1000, optional: false };
  const at = parseHttpDate(value, nowMs);
  if (at === undefined) return undefined;
  return { ms: at - nowMs, optional: !IMF_FIXDATE.test(value) };
}

// ---------------------------------------------------------------------------------------------
// The delay schedule
// ---------------------------------------------------------------------------------------------

/** Delays may be rounded to whole milliseconds, any way: the slack allowed around a value. */
export const ROUNDING_MS = 1;
/** Floating-point noise between two correct ways of writing the same formula. */
const FLOAT_SLACK = 1e-6;

/** The range an implementation's delay may fall in, or a second range when the README allows two. */
export interface Bounds {
  readonly low: number;
  readonly high: number;
  /** Another range that is just as right (a hint the implementation may ignore, and did). */
  readonly otherwise?: Bounds;
}

export function within(value: number, bounds: Bounds): boolean {
  const inside = value >= bounds.low - FLOAT_SLACK && value <= bounds.high + FLOAT_SLACK;
  return inside || (bounds.otherwise !== undefined && within(value, bounds.otherwise));
}

/** ceiling after attempt n = min(maxDelayMs, baseDelayMs × factor^(n − 1)); 0 × Infinity is 0 here. */
export function ceilingAfter(options: ScheduleOptions, attempt: number): number {
  if (options.baseDelayMs === 0) return 0;
  return Math.min(options.maxDelayMs, options.baseDelayMs * options.factor ** (attempt - 1));
}

/**
 * The delays of one retry() call, one per sleep. Decorrelated jitter depends on the previous
 * delay the formula produced, which an implementation may have rounded: the schedule keeps the
 * range that previous value can be in, and narrows it with each delay it is shown.
 */
export class DelaySchedule {
  #previous: Bounds;

  constructor(readonly options: ScheduleOptions) {
    this.#previous = { low: options.baseDelayMs, high: options.baseDelayMs };
  }

  /**
   * The delay after failed attempt `attempt`, for the draw `draw` of random() (unused by 'none')
   * and the Retry-After hint in ms (undefined when there is none).
   */
  next(attempt: number, draw: number, hint: Hint | undefined): Bounds {
    const hintMs = hint?.ms;
    const { baseDelayMs: base, maxDelayMs: cap, jitter } = this.options;
    let low: number;
    let high: number;
    if (jitter === 'decorrelated') {
      const formula = (previous: number): number => Math.min(cap, base + draw * (3 * previous - base));
      low = formula(this.#previous.low);
      high = formula(this.#previous.high);
    } else {
      const ceiling = ceilingAfter(this.options, attempt);
      const value =
        jitter === 'none' ? ceiling : jitter === 'full' ? draw * ceiling : ceiling / 2 + (draw * ceiling) / 2;
      low = value;
      high = value;
    }
    this.#pending = { low, high, hintMs };
    const withHint = (value: number): number => (hintMs === undefined ? value : Math.min(cap, Math.max(hintMs, value)));
    const range = (shape: (value: number) => number): Bounds => ({
      low: Math.max(0, shape(low) - ROUNDING_MS),
      high: Math.min(shape(high) + ROUNDING_MS, cap + ROUNDING_MS),
    });
    // A hint the implementation may ignore: the delay is either the hinted one or the computed one.
    return hint?.optional ? { ...range(withHint), otherwise: range((value) => value) } : range(withHint);
  }

  #pending: { low: number; high: number; hintMs: number | undefined } | undefined;

  /** The delay the implementation slept for the last `next()`: narrows what its `previous` can be. */
  observe(sleptMs: number): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    let low = pending.low - ROUNDING_MS;
    let high = pending.high + ROUNDING_MS;
    // Without a hint that could win, the delay slept is the formula's value, rounded.
    if (pending.hintMs === undefined || pending.hintMs <= pending.low) {
      low = Math.max(low, sleptMs - ROUNDING_MS);
      high = Math.min(high, sleptMs + ROUNDING_MS);
      if (low > high) [low, high] = [pending.low - ROUNDING_MS, pending.high + ROUNDING_MS];
    }
    this.#previous = { low, high };
  }
}

// ---------------------------------------------------------------------------------------------
// RetryBudget
// ---------------------------------------------------------------------------------------------

export interface BudgetState {
  readonly ratio: number;
  readonly maxTokens: number;
  readonly tokens: number;
}

export function budgetStart(options: {
  readonly ratio?: number | undefined;
  readonly initialTokens?: number | undefined;
  readonly maxTokens?: number | undefined;
}): BudgetState {
  return {
    ratio: options.ratio ?? BUDGET_DEFAULTS.ratio,
    maxTokens: options.maxTokens ?? BUDGET_DEFAULTS.maxTokens,
    tokens: options.initialTokens ?? BUDGET_DEFAULTS.initialTokens,
  };
}

export function budgetRecordCall(state: BudgetState): BudgetState {
  return { ...state, tokens: Math.min(state.maxTokens, state.tokens + state.ratio) };
}

export function budgetTryAcquire(state: BudgetState): { readonly state: BudgetState; readonly granted: boolean } {
  if (state.tokens < 1) return { state, granted: false };
  return { state: { ...state, tokens: state.tokens - 1 }, granted: true };
}

/** The budget as an object, for sequential checks. */
export class BudgetModel {
  state: BudgetState;

  constructor(options: Parameters<typeof budgetStart>[0] = {}) {
    this.state = budgetStart(options);
  }

  get tokens(): number {
    return this.state.tokens;
  }

  recordCall(): void {
    this.state = budgetRecordCall(this.state);
  }

  tryAcquireRetry(): boolean {
    const { state, granted } = budgetTryAcquire(this.state);
    this.state = state;
    return granted;
  }
}

// ---------------------------------------------------------------------------------------------
// CircuitBreaker
// ---------------------------------------------------------------------------------------------

export type CircuitState = 'closed' | 'open' | 'half-open';

/** A state change the implementation must report, `at` anywhere in [atLow, atHigh]. */
export interface ExpectedChange {
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly atLow: number;
  readonly atHigh: number;
}

export interface BreakerState {
  readonly failureThreshold: number;
  readonly resetTimeoutMs: number;
  readonly halfOpenMaxCalls: number;
  readonly state: CircuitState;
  /** Bumped on every change: a call admitted under an older epoch moves nothing. */
  readonly epoch: number;
  readonly failures: number;
  readonly openedAt: number;
  /** Trials admitted in the current half-open epoch. */
  readonly trials: number;
}

/** What an admission gave a call: the epoch and kind it was admitted under. */
export interface Ticket {
  readonly epoch: number;
  readonly trial: boolean;
}

export type Admission =
  { readonly admitted: true; readonly ticket: Ticket } | { readonly admitted: false; readonly retryAfterMs: number };

export interface BreakerStep<T = undefined> {
  readonly state: BreakerState;
  readonly changes: readonly ExpectedChange[];
  readonly result: T;
}

export function breakerStart(options: {
  readonly failureThreshold?: number | undefined;
  readonly resetTimeoutMs?: number | undefined;
  readonly halfOpenMaxCalls?: number | undefined;
}): BreakerState {
  return {
    failureThreshold: options.failureThreshold ?? BREAKER_DEFAULTS.failureThreshold,
    resetTimeoutMs: options.resetTimeoutMs ?? BREAKER_DEFAULTS.resetTimeoutMs,
    halfOpenMaxCalls: options.halfOpenMaxCalls ?? BREAKER_DEFAULTS.halfOpenMaxCalls,
    state: 'closed',
    epoch: 0,
    failures: 0,
    openedAt: 0,
    trials: 0,
  };
}

/** Whether the open circuit's timeout has passed at `now` (exactly at the boundary too). */
export function breakerDue(state: BreakerState, now: number): boolean {
  return state.state === 'open' && now - state.openedAt >= state.resetTimeoutMs;
}

function change(state: BreakerState, to: CircuitState, now: number, atLow = now): BreakerStep {
  const next: BreakerState = {
    ...state,
    state: to,
    epoch: state.epoch + 1,
    trials: 0,
    failures: to === 'closed' ? 0 : state.failures,
    openedAt: to === 'open' ? now : state.openedAt,
  };
  return { state: next, changes: [{ from: state.state, to, atLow, atHigh: now }], result: undefined };
}

/** The open-to-half-open change, when it is due: noticed at `now`, due since openedAt + timeout. */
export function breakerNotice(state: BreakerState, now: number): BreakerStep {
  if (!breakerDue(state, now)) return { state, changes: [], result: undefined };
  return change(state, 'half-open', now, state.openedAt + state.resetTimeoutMs);
}

export function breakerRead(state: BreakerState, now: number): BreakerStep<CircuitState> {
  const noticed = breakerNotice(state, now);
  return { ...noticed, result: noticed.state.state };
}

export function breakerAdmit(state: BreakerState, now: number): BreakerStep<Admission> {
  const noticed = breakerNotice(state, now);
  const current = noticed.state;
  if (current.state === 'open') {
    return {
      ...noticed,
      result: { admitted: false, retryAfterMs: current.openedAt + current.resetTimeoutMs - now },
    };
  }
  if (current.state === 'half-open') {
    if (current.trials >= current.halfOpenMaxCalls) return { ...noticed, result: { admitted: false, retryAfterMs: 0 } };
    return {
      state: { ...current, trials: current.trials + 1 },
      changes: noticed.changes,
      result: { admitted: true, ticket: { epoch: current.epoch, trial: true } },
    };
  }
  return { ...noticed, result: { admitted: true, ticket: { epoch: current.epoch, trial: false } } };
}

/** A call admitted with `ticket` settled at `now`, successfully or not. */
export function breakerSettle(state: BreakerState, ticket: Ticket, succeeded: boolean, now: number): BreakerStep {
  const none: BreakerStep = { state, changes: [], result: undefined };
  if (ticket.epoch !== state.epoch) return none;
  if (ticket.trial) return change(state, succeeded ? 'closed' : 'open', now);
  if (succeeded) return { ...none, state: { ...state, failures: 0 } };
  const failures = state.failures + 1;
  if (failures >= state.failureThreshold) return change({ ...state, failures }, 'open', now);
  return { ...none, state: { ...state, failures } };
}

/** The breaker as an object, for sequential checks: every change it made is in `changes`. */
export class BreakerModel {
  state: BreakerState;
  readonly changes: ExpectedChange[] = [];

  constructor(options: Parameters<typeof breakerStart>[0] = {}) {
    this.state = breakerStart(options);
  }

  #apply<T>(step: BreakerStep<T>): T {
    this.state = step.state;
    this.changes.push(...step.changes);
    return step.result;
  }

  read(now: number): CircuitState {
    return this.#apply(breakerRead(this.state, now));
  }

  admit(now: number): Admission {
    return this.#apply(breakerAdmit(this.state, now));
  }

  settle(ticket: Ticket, succeeded: boolean, now: number): void {
    this.#apply(breakerSettle(this.state, ticket, succeeded, now));
  }
}

// ---------------------------------------------------------------------------------------------
// retry(): what one call does, step by step
// ---------------------------------------------------------------------------------------------

/** One attempt's result as the script says: fn returns (ok) or throws/rejects with `value`. */
export interface AttemptResult {
  readonly ok: boolean;
  readonly value: unknown;
}

export type GiveUpReason = 'attempts-exhausted' | 'not-retryable' | 'budget-exhausted' | 'circuit-open';

/** How retry() must end. */
export type RetryEnding =
  | { readonly kind: 'resolved'; readonly value: unknown }
  | {
      readonly kind: 'gave-up';
      readonly reason: GiveUpReason;
      readonly attempts: number;
      readonly errors: readonly unknown[];
      /** The last failure, or the refusal (by its retryAfterMs) for 'circuit-open'. */
      readonly cause:
        { readonly failure: unknown } | { readonly refusal: number | 'observed'; readonly error?: unknown };
    }
  | { readonly kind: 'aborted'; readonly reason: unknown };

/** What retry() does, in order, as the spec can observe it. */
export type RetryStep =
  | { readonly kind: 'recordCall' }
  | { readonly kind: 'acquire'; readonly granted: boolean }
  | { readonly kind: 'execute' }
  | { readonly kind: 'fn'; readonly attempt: number }
  | { readonly kind: 'shouldRetry'; readonly failure: unknown; readonly attempt: number }
  | { readonly kind: 'onRetry'; readonly attempt: number; readonly failure: unknown; readonly delay: Bounds }
  | { readonly kind: 'sleep'; readonly delay: Bounds }
  | { readonly kind: 'sleep-end' }
  | { readonly kind: 'end'; readonly ending: RetryEnding };

/** Where, if anywhere, the signal aborts. */
export type AbortPoint =
  | { readonly when: 'before-start'; readonly reason: unknown }
  | { readonly when: 'during-call' | 'during-sleep'; readonly attempt: number; readonly reason: unknown };

/** The world one retry() call meets: the script and the shared objects' answers. */
export interface RetryWorld {
  readonly schedule: ScheduleOptions;
  /** The attempt's result; called once per attempt fn is called for. */
  readonly attempt: (attempt: number) => AttemptResult;
  /** A custom shouldRetry's answer, or undefined for the default rule. */
  readonly shouldRetry: ((failure: unknown, attempt: number) => boolean) | undefined;
  readonly hasOnRetry: boolean;
  readonly budget: { readonly recordCall: () => void; readonly acquire: () => boolean } | undefined;
  readonly breaker:
    | {
        /** Admitted, or refused with the refusal's retryAfterMs ('observed' when replaying). */
        readonly admit: (
          sleepsDone: number,
        ) =>
          | { readonly admitted: true }
          | { readonly admitted: false; readonly refusal: number | 'observed'; readonly error?: unknown };
        readonly settle: (succeeded: boolean, sleepsDone: number) => void;
      }
    | undefined;
  /** The clock after `sleepsDone` sleeps: what retry() reads for a Retry-After date. */
  readonly now: (sleepsDone: number) => number;
  /** The next value of the injected random(). */
  readonly draw: () => number;
  /** Narrows the schedule with the delays the implementation actually slept, in order. */
  readonly slept: readonly number[];
  readonly abort: AbortPoint | undefined;
}

/** The steps of one retry() call, and the endings allowed after them (one or two). */
export interface RetryRun {
  readonly steps: readonly RetryStep[];
  /** Alternative tails: when the README lets an implementation ask shouldRetry at the last attempt or not. */
  readonly endings: readonly (readonly RetryStep[])[];
}

/**
 * retry(fn, options) as the README describes it, for options that are all good. Sequential: the
 * world answers every question the README has retry() ask, in the order it asks them.
 */
export function runRetry(world: RetryWorld): RetryRun {
  const steps: RetryStep[] = [];
  const { schedule, abort } = world;
  const end = (ending: RetryEnding): RetryRun => ({ steps, endings: [[{ kind: 'end', ending }]] });
  if (abort?.when === 'before-start') return end({ kind: 'aborted', reason: abort.reason });

  const delays = new DelaySchedule(schedule);
  const errors: unknown[] = [];
  let sleeps = 0;
  if (world.budget) {
    world.budget.recordCall();
    steps.push({ kind: 'recordCall' });
  }
  for (let attempt = 1; ; attempt++) {
    if (world.breaker) {
      steps.push({ kind: 'execute' });
      const admission = world.breaker.admit(sleeps);
      if (!admission.admitted) {
        const cause = { refusal: admission.refusal, error: admission.error };
        return end({ kind: 'gave-up', reason: 'circuit-open', attempts: attempt - 1, errors: [...errors], cause });
      }
    }
    steps.push({ kind: 'fn', attempt });
    if (abort?.when === 'during-call' && abort.attempt === attempt)
      return end({ kind: 'aborted', reason: abort.reason });
    const result = world.attempt(attempt);
    world.breaker?.settle(result.ok, sleeps);
    if (result.ok) return end({ kind: 'resolved', value: result.value });
    const failure = result.value;
    errors.push(failure);
    const gaveUp = (reason: GiveUpReason): RetryEnding => ({
      kind: 'gave-up',
      reason,
      attempts: attempt,
      errors: [...errors],
      cause: { failure },
    });

    const decide = (): { steps: RetryStep[]; retried: boolean } => {
      if (world.shouldRetry === undefined) return { steps: [], retried: retriedByDefault(failure) };
      return { steps: [{ kind: 'shouldRetry', failure, attempt }], retried: world.shouldRetry(failure, attempt) };
    };

    if (attempt >= schedule.maxAttempts) {
      // Asking shouldRetry after the last attempt is the implementation's choice.
      const asked = decide();
      const exhausted: RetryStep = { kind: 'end', ending: gaveUp('attempts-exhausted') };
      const askedEnding: RetryStep[] = [
        ...asked.steps,
        { kind: 'end', ending: gaveUp(asked.retried ? 'attempts-exhausted' : 'not-retryable') },
      ];
      return { steps, endings: [[exhausted], askedEnding] };
    }
    const decision = decide();
    steps.push(...decision.steps);
    if (!decision.retried) return end(gaveUp('not-retryable'));
    if (world.budget) {
      const granted = world.budget.acquire();
      steps.push({ kind: 'acquire', granted });
      if (!granted) return end(gaveUp('budget-exhausted'));
    }
    const delay = delays.next(
      attempt,
      schedule.jitter === 'none' ? 0 : world.draw(),
      retryAfterHint(failure, world.now(sleeps)),
    );
    const slept = world.slept[sleeps++];
    if (slept !== undefined) delays.observe(slept);
    if (world.hasOnRetry) steps.push({ kind: 'onRetry', attempt, failure, delay });
    steps.push({ kind: 'sleep', delay });
    if (abort?.when === 'during-sleep' && abort.attempt === attempt)
      return end({ kind: 'aborted', reason: abort.reason });
    steps.push({ kind: 'sleep-end' });
  }
}
