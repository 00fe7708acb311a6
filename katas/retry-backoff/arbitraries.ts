/**
 * What the spec draws: options from their whole valid range (defaults included, by leaving an
 * option undefined), attempt scripts with every kind of failure (Errors, strings, undefined, null,
 * numbers, plain objects; thrown or rejected; retryable flags; Retry-After hints in every form the
 * README accepts and rejects), shouldRetry answers (booleans and promises), abort points, and the
 * budget's and the breaker's options.
 */
import fc from 'fast-check';
import { show } from '../../harness/kit/index.ts';
import type { AttemptPlan, CallPlan, HintPlan } from './observe.ts';
import { RETRY_DEFAULTS, type AbortPoint, type Jitter } from './model.ts';

/**
 * A draw of random() in [0, 1): mostly spread evenly (fast-check's bias towards the extremes would
 * make most draws 0 or tiny, and at 0 several jitter formulas agree), sometimes exactly 0.
 */
export const unit = fc.oneof(
  { weight: 9, arbitrary: fc.noBias(fc.integer({ min: 1, max: 999_999 })).map((k) => k / 1_000_000) },
  { weight: 1, arbitrary: fc.constantFrom(0, 0.999_999) },
);

/** A number spread evenly over [min, max], with the ends now and then. */
const spread = (min: number, max: number): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.noBias(fc.double({ min, max, noNaN: true })) },
    { weight: 1, arbitrary: fc.constantFrom(min, max) },
  );

/** Whole milliseconds, fractions, zero and the default: the range of baseDelayMs. */
export const baseDelayArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 5, arbitrary: fc.noBias(fc.integer({ min: 1, max: 5_000 })) },
  { weight: 2, arbitrary: spread(0.25, 3_000) },
);

export const factorArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constant(1) },
  { weight: 3, arbitrary: spread(1, 4) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 10 }) },
);

export const jitterArb = fc.constantFrom<Jitter | undefined>(undefined, 'none', 'full', 'equal', 'decorrelated');

/** maxAttempts, baseDelayMs, maxDelayMs (the default, equal to the base, or above it), factor, jitter. */
export const scheduleOptionsArb = fc
  .record({
    maxAttempts: fc.oneof(
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 7 }) },
    ),
    baseDelayMs: baseDelayArb,
    capAboveBase: fc.oneof(
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constant(0) },
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 60_000 }) },
    ),
    factor: factorArb,
    jitter: jitterArb,
  })
  .map(({ capAboveBase, ...options }) => ({
    ...options,
    maxDelayMs:
      capAboveBase === undefined
        ? undefined
        : Math.ceil(options.baseDelayMs ?? RETRY_DEFAULTS.baseDelayMs) + capAboveBase,
  }));

/** Values a Retry-After hint may not be: the README's "anything else", and look-alikes of dates. */
export const GARBAGE_HINTS: readonly unknown[] = [
  -5,
  -0.5,
  Number.NaN,
  'soon',
  '-5',
  '5.5',
  '+5',
  '',
  '5s',
  '1e3',
  'in 5 seconds',
  null,
  true,
  { seconds: 5 },
  [5],
  '2099-01-01T00:00:00Z',
  'Thu, 01 Jan 2099',
  'tomorrow',
  'Sat, 31 Feb 2026 00:00:00 GMT',
  'Sun, 29 Feb 2026 12:00:00 GMT',
  'Fri, 31 Apr 2026 00:00:00 GMT',
  'Thu, 01 Jan 2099 25:00:00 GMT',
  'Thu, 01 Jan 2099 23:61:00 GMT',
  'Thu, 32 Jan 2099 00:00:00 GMT',
  'Thu, 00 Jan 2099 00:00:00 GMT',
  'Thu, 01 Foo 2099 00:00:00 GMT',
  'Saturday, 31-Feb-26 00:00:00 GMT',
  'Sat Feb 31 00:00:00 2026',
  // Valid dates inside something else, or with a field of the wrong width: not HTTP dates.
  'Date: Fri, 01 Jan 2027 00:00:00 GMT',
  'Fri, 01 Jan 2027 00:00:00 GMT+0100',
  'Fri, 1 Jan 2027 00:00:00 GMT',
  'Fri, 01 Jan 2027 12:61:00 GMT',
  'Fri, 01 Jan 2027 12:00:61 GMT',
  'Date: Friday, 01-Jan-27 00:00:00 GMT',
  'Friday, 01-Jan-27 00:00:00 GMT (cached)',
  'Friday, 1-Jan-27 00:00:00 GMT',
  'Friday, 01-Jan-2027 00:00:00 GMT',
  'Date: Fri Jan  1 00:00:00 2027',
  'Fri Jan  1 00:00:00 2027 GMT',
  'Fri Jan 1 00:00:00 2027',
];

export const hintArb: fc.Arbitrary<HintPlan> = fc.oneof(
  fc.record({
    kind: fc.constant('seconds' as const),
    // A number of seconds need not be whole (only a string must be digits): 2.5 is 2500 ms.
    seconds: fc.oneof(fc.integer({ min: 0, max: 90 }), fc.constantFrom(0.25, 1.5, 2.5, 7.75)),
  }),
  fc.record({
    kind: fc.constant('digits' as const),
    text: fc.oneof(fc.integer({ min: 0, max: 90 }).map(String), fc.constantFrom('007', '0', '99999999999')),
  }),
  fc.record({
    kind: fc.constant('date' as const),
    form: fc.constantFrom('imf' as const, 'rfc850' as const, 'asctime' as const),
    offsetSeconds: fc.integer({ min: -60, max: 90 }),
  }),
  fc.record({ kind: fc.constant('garbage' as const), value: fc.constantFrom(...GARBAGE_HINTS) }),
);

export const failureArb: fc.Arbitrary<AttemptPlan> = fc.record(
  {
    ok: fc.constant(false),
    async: fc.boolean(),
    shape: fc.constantFrom(
      'error' as const,
      'error' as const,
      'object' as const,
      'string' as const,
      'undefined' as const,
      'null' as const,
      'number' as const,
    ),
    retryable: fc.constantFrom<AttemptPlan['retryable']>(
      undefined,
      undefined,
      undefined,
      undefined,
      true,
      0,
      null,
      false,
    ),
    hint: fc.option(hintArb, { nil: undefined, freq: 2 }),
    looksLikeRefusal: fc.constantFrom(false, false, false, false, false, true),
  },
  { requiredKeys: ['ok', 'async', 'shape'] },
);

export const successArb: fc.Arbitrary<AttemptPlan> = fc.record({
  ok: fc.constant(true),
  async: fc.boolean(),
  shape: fc.constantFrom('error' as const, 'string' as const, 'undefined' as const, 'null' as const, 'number' as const),
});

/** A script for every attempt the options allow: failures, and maybe one success. */
export function attemptsArb(maxAttempts: number): fc.Arbitrary<AttemptPlan[]> {
  return fc
    .tuple(
      fc.array(failureArb, { minLength: maxAttempts, maxLength: maxAttempts }),
      fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: maxAttempts - 1 })),
      successArb,
    )
    .map(([failures, successAt, success]) => {
      const attempts = [...failures];
      if (successAt !== undefined) attempts[successAt] = success;
      return attempts;
    });
}

export const shouldRetryArb = fc.option(
  fc.record({
    answers: fc.array(fc.constantFrom(...Array<boolean>(9).fill(true), false), { minLength: 8, maxLength: 8 }),
    async: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  }),
  { nil: undefined, freq: 2 },
);

/** Reasons a signal aborts with: an Error, a string, an object, undefined (the default AbortError). */
export const abortReasonArb = fc.constantFrom<() => unknown>(
  () => new Error('client went away'),
  () => 'shutting down',
  () => ({ why: 'deploy' }),
  () => 42,
  () => undefined,
);

function abortArb(maxAttempts: number): fc.Arbitrary<AbortPoint | undefined> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: abortReasonArb.map((reason) => ({ when: 'before-start' as const, reason: reason() })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom('during-call' as const, 'during-sleep' as const),
          fc.integer({ min: 1, max: maxAttempts }),
          abortReasonArb,
        )
        .map(([when, attempt, reason]) => ({ when, attempt, reason: reason() })),
    },
  );
}

/** One retry() call: its options from their whole range, its script, its hooks, its draws. */
export const callPlanArb = (choices: { readonly abort: boolean } = { abort: true }): fc.Arbitrary<CallPlan> =>
  scheduleOptionsArb.chain((options) => {
    const maxAttempts = options.maxAttempts ?? RETRY_DEFAULTS.maxAttempts;
    return fc
      .record({
        attempts: attemptsArb(maxAttempts),
        shouldRetry: shouldRetryArb,
        onRetry: fc.boolean(),
        signal: fc.option(
          fc.record({
            abort: choices.abort ? abortArb(maxAttempts) : fc.constant(undefined),
            sleepHonoursSignal: fc.boolean(),
          }),
          { nil: undefined, freq: 2 },
        ),
        draws: fc.array(unit, { minLength: maxAttempts, maxLength: maxAttempts }),
      })
      .map((rest) => ({ options, ...rest }));
  });

/** Dyadic numbers (k / 64): sums of them are exact in floating point, so no rounding blurs a boundary. */
export const dyadic = (max: number): fc.Arbitrary<number> => fc.integer({ min: 0, max: max * 64 }).map((k) => k / 64);

export const budgetOptionsArb = fc
  .record({
    ratio: fc.oneof(dyadic(2), fc.constantFrom(0, 0.25, 0.5, 1)),
    initialTokens: fc.oneof(
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 3, arbitrary: fc.integer({ min: 0, max: 5 }) },
      { weight: 3, arbitrary: dyadic(6) },
    ),
    headroom: fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 4, arbitrary: dyadic(8) }),
  })
  .map(({ ratio, initialTokens, headroom }) => ({
    ratio,
    initialTokens,
    maxTokens: headroom === undefined ? undefined : (initialTokens ?? 10) + headroom,
  }));

export const breakerOptionsArb = fc.record({
  failureThreshold: fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }) },
  ),
  resetTimeoutMs: fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant(0) },
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 3_000 }) },
  ),
  halfOpenMaxCalls: fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 3 }) },
  ),
});

export function describeHint(hint: HintPlan): string {
  switch (hint.kind) {
    case 'seconds':
      return `retryAfter ${hint.seconds}`;
    case 'digits':
      return `retryAfter '${hint.text}'`;
    case 'date':
      return `retryAfter ${hint.form} date ${hint.offsetSeconds >= 0 ? '+' : ''}${hint.offsetSeconds} s`;
    case 'garbage':
      return `retryAfter ${typeof hint.value === 'string' ? `'${hint.value}'` : show(hint.value)}`;
  }
}

export function describeAttempt(plan: AttemptPlan): string {
  const how = plan.async ? 'async' : 'sync';
  if (plan.ok) return `ok ${plan.shape} (${how})`;
  const extras = [
    plan.retryable === undefined ? undefined : `retryable ${String(plan.retryable)}`,
    plan.hint && (plan.shape === 'error' || plan.shape === 'object') ? describeHint(plan.hint) : undefined,
    plan.looksLikeRefusal && (plan.shape === 'error' || plan.shape === 'object') ? 'code ERR_CIRCUIT_OPEN' : undefined,
  ].filter((extra) => extra !== undefined);
  return `throws ${plan.shape}${extras.length ? ` [${extras.join(', ')}]` : ''} (${how})`;
}

export function describePlan(plan: CallPlan): string {
  const options = Object.entries(plan.options)
    .map(
      ([key, value]) =>
        `${key}: ${value === undefined ? 'default' : typeof value === 'string' ? `'${value}'` : String(value)}`,
    )
    .join(', ');
  const parts = [`{ ${options} }`, `attempts: ${plan.attempts.map(describeAttempt).join(' | ')}`];
  if (plan.shouldRetry) {
    parts.push(
      `shouldRetry answers ${plan.shouldRetry.answers.map((a, i) => `${a}${plan.shouldRetry!.async[i] ? '(promise)' : ''}`).join(',')}`,
    );
  }
  if (plan.onRetry) parts.push('onRetry');
  if (plan.signal) {
    const abort = plan.signal.abort;
    parts.push(
      abort === undefined
        ? 'a signal that never aborts'
        : abort.when === 'before-start'
          ? 'a signal aborted before the call'
          : `abort ${abort.when} ${abort.attempt} (sleep ${plan.signal.sleepHonoursSignal ? 'honours' : 'ignores'} the signal)`,
    );
  }
  parts.push(`random() draws ${plan.draws.map((d) => d.toFixed(4)).join(', ')}`);
  return parts.join('; ');
}
