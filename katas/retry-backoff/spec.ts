import fc from 'fast-check';
import { expect } from 'vitest';
import { createManualClock, defineSpec, type ManualClock } from '../../harness/kit/index.ts';
import type * as Kata from './index.ts';

type Impl = typeof Kata;

/*
 * Every check injects `now`, `sleep` and `random`, so nothing here sleeps for real and every run
 * is the same run. Two kinds of time are used:
 * - an instant sleep that records the delay and moves a virtual clock, for checks about delays;
 * - the kit's manual clock, for checks about what happens *while* retry() sleeps (abort, no sleep
 *   after the last attempt, 1000 callers sharing a budget or a breaker).
 */

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** A small seeded generator (mulberry32): the same seed gives the same numbers in [0, 1). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A sleep that resolves at once, records what was asked and moves a virtual clock. */
function instantTime(startMs = Date.UTC(2026, 0, 1)) {
  let current = startMs;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => current,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      current += Number.isFinite(ms) && ms > 0 ? ms : 0;
    },
  };
}

/** An error the retrier should retry. */
function transient(message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code: 'ECONNRESET', ...extra });
}

/** Lets promise chains and a few macrotask turns run, without moving any clock. */
async function flush(turns = 5): Promise<void> {
  for (let turn = 0; turn < turns; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}

interface Tracked<T> {
  readonly promise: Promise<T>;
  readonly state: () => 'pending' | 'fulfilled' | 'rejected';
  readonly value: () => T | undefined;
  readonly error: () => unknown;
}

/** Watches a promise without changing it, so a check can ask "has it settled yet?". */
function track<T>(promise: Promise<T>): Tracked<T> {
  let state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  let value: T | undefined;
  let error: unknown;
  promise.then(
    (result) => {
      state = 'fulfilled';
      value = result;
    },
    (reason: unknown) => {
      state = 'rejected';
      error = reason;
    },
  );
  return { promise, state: () => state, value: () => value, error: () => error };
}

/** Calls something that may throw synchronously or reject, and returns what it threw. */
async function thrownBy(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  return undefined;
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

function describe(error: unknown): string {
  if (error === undefined) return 'no error (the call went through)';
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Moves the manual clock from one sleeper to the next until every promise has settled. A caller
 * that neither settles nor sleeps on the injected clock is reported, not waited for.
 */
async function runClockUntilSettled(clock: ManualClock, pending: () => number, label: string): Promise<void> {
  for (let step = 0; pending() > 0; step++) {
    if (step > 50_000) throw new Error(`${label}: ${pending()} call(s) still pending after 50 000 clock steps`);
    if (await clock.advanceToNext()) continue;
    await flush();
    if (pending() > 0 && clock.pending === 0) {
      throw new Error(
        `${label}: ${pending()} call(s) neither settled nor slept on the injected sleep (a real timer or a lost promise?)`,
      );
    }
  }
}

/** Runs retry() against a function that always fails and returns the delays it slept. */
async function delaysOf(impl: Impl, attempts: number, options: Kata.RetryOptions): Promise<number[]> {
  const time = instantTime();
  const outcome = await thrownBy(() =>
    impl.retry(
      () => {
        throw transient('service unavailable');
      },
      { ...options, maxAttempts: attempts, now: time.now, sleep: time.sleep },
    ),
  );
  expect(codeOf(outcome), `retry() with ${attempts} failing attempts should reject with a RetryError`).toBe(
    'ERR_RETRY_FAILED',
  );
  return time.sleeps;
}

/** Ceiling of the n-th delay (n from 1): min(cap, base * factor^(n-1)). */
function ceilingOf(n: number, base: number, factor: number, cap: number): number {
  return Math.min(cap, base * factor ** (n - 1));
}

/** Rounding to whole milliseconds is allowed. */
const TOLERANCE_MS = 1;

const fmt = (ms: number): string => (Number.isInteger(ms) ? String(ms) : ms.toFixed(2));

const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

/** Options for a capped exponential schedule: base, factor, cap >= base, number of attempts. */
const schedule = fc.record({
  base: fc.integer({ min: 1, max: 5_000 }),
  factor: fc.double({ min: 1, max: 4, noNaN: true }),
  extra: fc.integer({ min: 0, max: 100_000 }),
  attempts: fc.integer({ min: 2, max: 12 }),
});

/** A random source that returns the given values in turn, over and over. */
function cycling(values: readonly number[]): () => number {
  let index = 0;
  return () => values[index++ % values.length]!;
}

// ---------------------------------------------------------------------------------------------
// The seeds' services, as test doubles
// ---------------------------------------------------------------------------------------------

interface MockPayment extends Kata.PaymentService {
  readonly calls: Kata.ChargeRequest[];
  /** Charges actually made, by idempotency key (a missing key charges every time). */
  readonly charges: Kata.Charge[];
}

/**
 * MockPaymentService({ failureRate }): each call fails with probability `failureRate`. Half the
 * failures happen before the charge (connection refused), half after it (the response is lost),
 * which is when a retry with a new idempotency key charges the customer twice.
 */
function mockPaymentService(options: { failureRate: number; random: () => number }): MockPayment {
  const byKey = new Map<string, Kata.Charge>();
  const calls: Kata.ChargeRequest[] = [];
  const charges: Kata.Charge[] = [];
  return {
    calls,
    charges,
    async charge(request) {
      calls.push({ ...request });
      const roll = options.random();
      if (roll < options.failureRate / 2) throw transient('payment gateway: connection refused');
      const key = request.idempotencyKey;
      let charge = typeof key === 'string' && key !== '' ? byKey.get(key) : undefined;
      if (!charge) {
        charge = { chargeId: `ch_${charges.length + 1}` };
        charges.push(charge);
        if (typeof key === 'string' && key !== '') byKey.set(key, charge);
      }
      if (roll < options.failureRate) throw transient('payment gateway: response lost after charging');
      return charge;
    },
  };
}

/** A payment service that answers from a script: 'ok', 'refused', 'lost' (charged, then failed). */
function scriptedPaymentService(script: readonly ('ok' | 'refused' | 'lost')[]): MockPayment {
  let call = 0;
  return mockPaymentService({
    failureRate: 1,
    random: () => {
      const step = script[Math.min(call++, script.length - 1)]!;
      return step === 'refused' ? 0.1 : step === 'lost' ? 0.9 : 1;
    },
  });
}

interface MockNotifications extends Kata.NotificationService {
  readonly delivered: Kata.SubscriptionRecord[];
  attempts: number;
}

/** MockNotificationService({ failureRate }): a failed send delivers nothing. */
function mockNotificationService(options: { failureRate: number; random: () => number }): MockNotifications {
  const service: MockNotifications = {
    delivered: [],
    attempts: 0,
    async sendSubscriptionConfirmation(subscription) {
      service.attempts++;
      if (options.random() < options.failureRate) throw transient('notification service: 503');
      service.delivered.push({ ...subscription });
    },
  };
  return service;
}

function memoryQueue(): Kata.NotificationQueue & { readonly jobs: Kata.NotificationJob[] } {
  const jobs: Kata.NotificationJob[] = [];
  return {
    jobs,
    enqueue(job) {
      jobs.push(job);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The spec
// ---------------------------------------------------------------------------------------------

export default defineSpec<Impl>('retry-backoff', ({ check }) => {
  check(
    {
      id: 'retries-until-success',
      title: 'a failing call is retried until it succeeds, and its value is returned',
      item: 'error-recovery',
      weight: 2,
      redFlag: 'no-retry-mechanism',
    },
    async ({ impl }) => {
      const time = instantTime();
      const errors = [transient('first failure'), transient('second failure')];
      const attemptsSeen: unknown[] = [];
      const events: Kata.RetryEvent[] = [];
      const value = await impl.retry(
        async (attempt) => {
          attemptsSeen.push(attempt);
          const error = errors[attemptsSeen.length - 1];
          if (error) throw error;
          return 'charged';
        },
        {
          maxAttempts: 5,
          baseDelayMs: 100,
          jitter: 'none',
          now: time.now,
          sleep: time.sleep,
          onRetry: (event) => events.push(event),
        },
      );
      expect(value, 'retry() should resolve with what the successful attempt returned').toBe('charged');
      expect(attemptsSeen, 'fn receives the attempt number, counted from 1').toEqual([1, 2, 3]);
      expect(time.sleeps.length, `retry() slept ${time.sleeps.length} time(s) for 2 failures`).toBe(2);
      expect(
        events.map((event) => event.attempt),
        'onRetry is called once per failed attempt that is retried',
      ).toEqual([1, 2]);
      expect(events[0]?.error, 'onRetry receives the error of the attempt that failed').toBe(errors[0]);
      expect(
        events.map((event) => event.delayMs),
        'onRetry reports the delay retry() then sleeps',
      ).toEqual(time.sleeps);

      const syncTime = instantTime();
      const first = await impl.retry(() => 42, { now: syncTime.now, sleep: syncTime.sleep });
      expect(first, 'a function returning a plain value on the first attempt').toBe(42);
      expect(syncTime.sleeps, 'no sleep when the first attempt succeeds').toEqual([]);
    },
  );

  check(
    {
      id: 'max-attempts-counts-calls',
      title: 'maxAttempts counts calls of fn, the first included (not retries)',
      item: 'api-design',
    },
    async ({ impl }) => {
      for (const maxAttempts of [1, 3, 6]) {
        const time = instantTime();
        let calls = 0;
        await thrownBy(() =>
          impl.retry(
            () => {
              calls++;
              throw transient('down');
            },
            { maxAttempts, baseDelayMs: 10, jitter: 'none', now: time.now, sleep: time.sleep },
          ),
        );
        expect(calls, `maxAttempts: ${maxAttempts} called fn ${calls} time(s)`).toBe(maxAttempts);
        expect(time.sleeps.length, `maxAttempts: ${maxAttempts} slept ${time.sleeps.length} time(s)`).toBe(
          maxAttempts - 1,
        );
      }
    },
  );

  check(
    {
      id: 'gives-up-with-every-cause',
      title: 'giving up rejects with a RetryError that carries every attempt’s error',
      item: 'system-error-handling',
      weight: 2,
      redFlag: 'no-error-handling',
    },
    async ({ impl }) => {
      const time = instantTime();
      const failures = [1, 2, 3, 4].map((n) => transient(`failure ${n}`));
      let calls = 0;
      const thrown = await thrownBy(() =>
        impl.retry(
          () => {
            throw failures[calls++];
          },
          { maxAttempts: 4, baseDelayMs: 10, now: time.now, sleep: time.sleep, random: () => 0.5 },
        ),
      );
      expect(codeOf(thrown), `after 4 failures retry() rejected with ${describe(thrown)}`).toBe('ERR_RETRY_FAILED');
      const error = thrown as Kata.RetryError;
      expect(error.name, 'the error is named RetryError').toBe('RetryError');
      expect(error.reason, 'reason').toBe('attempts-exhausted');
      expect(error.attempts, 'attempts').toBe(4);
      expect(error.errors, 'errors holds the 4 attempts’ errors, in order').toEqual(failures);
      expect(
        error.errors.every((cause, index) => cause === failures[index]),
        'errors holds the very error objects fn threw',
      ).toBe(true);
      expect(error.cause, 'cause is the last attempt’s error').toBe(failures[3]);
    },
  );

  check(
    {
      id: 'no-sleep-after-last-attempt',
      title: 'after the last attempt fails, retry() rejects at once instead of sleeping again',
      item: 'system-error-handling',
    },
    async ({ impl }) => {
      const clock = createManualClock();
      let calls = 0;
      const call = track(
        impl.retry(
          () => {
            calls++;
            throw transient('down');
          },
          { maxAttempts: 3, baseDelayMs: 1000, jitter: 'none', now: clock.now, sleep: clock.sleep },
        ),
      );
      call.promise.catch(() => {});
      await flush();
      await clock.advance(1000);
      await clock.advance(2000);
      await flush();
      expect(calls, 'fn calls after 3 s of clock time').toBe(3);
      const extra = clock.sleeps.slice(2);
      expect(
        call.state(),
        extra.length > 0
          ? `after the 3rd and last attempt failed, retry() slept again (${extra.map(fmt).join(', ')} ms) instead of rejecting`
          : 'after the 3rd and last attempt failed, retry() had not rejected',
      ).toBe('rejected');
      expect(clock.sleeps.length, `retry() asked for ${clock.sleeps.length} sleeps for 3 attempts`).toBe(2);

      const single = instantTime();
      await thrownBy(() =>
        impl.retry(
          () => {
            throw transient('down');
          },
          { maxAttempts: 1, now: single.now, sleep: single.sleep },
        ),
      );
      expect(single.sleeps, 'maxAttempts: 1 never sleeps').toEqual([]);
    },
  );

  check(
    {
      id: 'exponential-delays',
      title: "property: jitter 'none' sleeps min(maxDelayMs, baseDelayMs × factor^(n−1)) before attempt n+1",
      item: 'error-recovery',
      weight: 2,
      redFlag: 'hardcoded-values',
    },
    async ({ impl, property }) => {
      await property(
        fc.asyncProperty(schedule, async ({ base, factor, extra, attempts }) => {
          const cap = base + extra;
          const delays = await delaysOf(impl, attempts, {
            baseDelayMs: base,
            factor,
            maxDelayMs: cap,
            jitter: 'none',
          });
          expect(delays.length, `${attempts} attempts slept ${delays.length} times`).toBe(attempts - 1);
          delays.forEach((delay, index) => {
            const expected = ceilingOf(index + 1, base, factor, cap);
            expect(
              Math.abs(delay - expected) <= TOLERANCE_MS,
              `delay ${index + 1} was ${fmt(delay)} ms, expected min(${cap}, ${base} × ${fmt(factor)}^${index}) = ${fmt(expected)} ms`,
            ).toBe(true);
          });
        }),
        { numRuns: 60 },
      );
    },
  );

  check(
    {
      id: 'full-jitter-formula',
      title: "property: jitter 'full' sleeps random × ceiling, always within [0, ceiling]",
      item: 'distributed-systems',
      weight: 2,
      redFlag: 'hardcoded-values',
    },
    async ({ impl, property }) => {
      await property(
        fc.asyncProperty(schedule, unit, async ({ base, factor, extra, attempts }, r) => {
          const cap = base + extra;
          const options = { baseDelayMs: base, factor, maxDelayMs: cap, jitter: 'full' as const };
          const delays = await delaysOf(impl, attempts, { ...options, random: () => r });
          delays.forEach((delay, index) => {
            const ceiling = ceilingOf(index + 1, base, factor, cap);
            expect(
              Math.abs(delay - r * ceiling) <= TOLERANCE_MS,
              `with random() = ${r}, delay ${index + 1} was ${fmt(delay)} ms, expected ${r} × ${fmt(ceiling)} = ${fmt(r * ceiling)} ms`,
            ).toBe(true);
          });
        }),
        { numRuns: 60 },
      );
      await property(
        fc.asyncProperty(
          schedule,
          fc.array(unit, { minLength: 1, maxLength: 8 }),
          async ({ base, factor, extra, attempts }, values) => {
            const cap = base + extra;
            const options = { baseDelayMs: base, factor, maxDelayMs: cap, jitter: 'full' as const };
            const delays = await delaysOf(impl, attempts, { ...options, random: cycling(values) });
            delays.forEach((delay, index) => {
              const ceiling = ceilingOf(index + 1, base, factor, cap);
              expect(
                delay >= -TOLERANCE_MS && delay <= ceiling + TOLERANCE_MS,
                `delay ${index + 1} was ${fmt(delay)} ms, outside [0, ${fmt(ceiling)}]`,
              ).toBe(true);
            });
          },
        ),
        { numRuns: 40 },
      );
    },
  );

  check(
    {
      id: 'equal-jitter-formula',
      title: "property: jitter 'equal' sleeps ceiling/2 + random × ceiling/2, always within [ceiling/2, ceiling]",
      item: 'distributed-systems',
      redFlag: 'hardcoded-values',
    },
    async ({ impl, property }) => {
      await property(
        fc.asyncProperty(schedule, unit, async ({ base, factor, extra, attempts }, r) => {
          const cap = base + extra;
          const options = { baseDelayMs: base, factor, maxDelayMs: cap, jitter: 'equal' as const };
          const delays = await delaysOf(impl, attempts, { ...options, random: () => r });
          delays.forEach((delay, index) => {
            const ceiling = ceilingOf(index + 1, base, factor, cap);
            const expected = ceiling / 2 + (r * ceiling) / 2;
            expect(
              Math.abs(delay - expected) <= TOLERANCE_MS,
              `with random() = ${r}, delay ${index + 1} was ${fmt(delay)} ms, expected ${fmt(ceiling / 2)} + ${r} × ${fmt(ceiling / 2)} = ${fmt(expected)} ms`,
            ).toBe(true);
          });
        }),
        { numRuns: 60 },
      );
      await property(
        fc.asyncProperty(
          schedule,
          fc.array(unit, { minLength: 1, maxLength: 8 }),
          async ({ base, factor, extra, attempts }, values) => {
            const cap = base + extra;
            const options = { baseDelayMs: base, factor, maxDelayMs: cap, jitter: 'equal' as const };
            const delays = await delaysOf(impl, attempts, { ...options, random: cycling(values) });
            delays.forEach((delay, index) => {
              const ceiling = ceilingOf(index + 1, base, factor, cap);
              expect(
                delay >= ceiling / 2 - TOLERANCE_MS && delay <= ceiling + TOLERANCE_MS,
                `delay ${index + 1} was ${fmt(delay)} ms, outside [${fmt(ceiling / 2)}, ${fmt(ceiling)}]`,
              ).toBe(true);
            });
          },
        ),
        { numRuns: 40 },
      );
    },
  );

  check(
    {
      id: 'decorrelated-jitter-formula',
      title:
        "property: jitter 'decorrelated' sleeps min(cap, base + random × (3 × previous − base)), starting from base",
      item: 'distributed-systems',
      redFlag: 'hardcoded-values',
    },
    async ({ impl, property }) => {
      await property(
        fc.asyncProperty(schedule, unit, async ({ base, factor, extra, attempts }, r) => {
          const cap = base + extra;
          const options = { baseDelayMs: base, factor, maxDelayMs: cap, jitter: 'decorrelated' as const };
          const delays = await delaysOf(impl, attempts, { ...options, random: () => r });
          let previous = base;
          delays.forEach((delay, index) => {
            const expected = Math.min(cap, base + r * (3 * previous - base));
            expect(
              Math.abs(delay - expected) <= TOLERANCE_MS,
              `with random() = ${r}, delay ${index + 1} was ${fmt(delay)} ms, expected min(${cap}, ${base} + ${r} × (3 × ${fmt(previous)} − ${base})) = ${fmt(expected)} ms`,
            ).toBe(true);
            previous = delay;
          });
        }),
        { numRuns: 60 },
      );
      await property(
        fc.asyncProperty(
          schedule,
          fc.array(unit, { minLength: 1, maxLength: 8 }),
          async ({ base, factor, extra, attempts }, values) => {
            const cap = base + extra;
            const options = { baseDelayMs: base, factor, maxDelayMs: cap, jitter: 'decorrelated' as const };
            const delays = await delaysOf(impl, attempts, { ...options, random: cycling(values) });
            let previous = base;
            delays.forEach((delay, index) => {
              const upper = Math.min(cap, 3 * previous);
              expect(
                delay >= base - TOLERANCE_MS && delay <= upper + TOLERANCE_MS,
                `delay ${index + 1} was ${fmt(delay)} ms, outside [${base}, min(${cap}, 3 × ${fmt(previous)})]`,
              ).toBe(true);
              previous = delay;
            });
          },
        ),
        { numRuns: 40 },
      );
    },
  );

  check(
    {
      id: 'delays-never-exceed-cap',
      title: 'property: no delay of any jitter mode exceeds maxDelayMs, even after hundreds of attempts',
      item: 'error-recovery',
      weight: 2,
      redFlag: 'hardcoded-values',
    },
    async ({ impl, property }) => {
      await property(
        fc.asyncProperty(
          fc.constantFrom<Kata.Jitter>('none', 'full', 'equal', 'decorrelated'),
          fc.integer({ min: 1, max: 2_000 }),
          fc.double({ min: 1.5, max: 10, noNaN: true }),
          fc.integer({ min: 0, max: 30_000 }),
          fc.integer({ min: 10, max: 40 }),
          fc.array(unit, { minLength: 1, maxLength: 8 }),
          async (jitter, base, factor, extra, attempts, values) => {
            const cap = base + extra;
            const delays = await delaysOf(impl, attempts, {
              baseDelayMs: base,
              factor,
              maxDelayMs: cap,
              jitter,
              random: cycling(values),
            });
            delays.forEach((delay, index) => {
              expect(
                Number.isFinite(delay) && delay >= 0 && delay <= cap,
                `jitter '${jitter}': delay ${index + 1} was ${fmt(delay)} ms, above the ${cap} ms cap`,
              ).toBe(true);
            });
          },
        ),
        { numRuns: 60 },
      );
      // A worker that retries for days: base × 10^399 is Infinity, and Infinity × 0 is NaN.
      for (const jitter of ['none', 'full', 'equal', 'decorrelated'] as const) {
        const delays = await delaysOf(impl, 400, {
          baseDelayMs: 100,
          factor: 10,
          maxDelayMs: 60_000,
          jitter,
          random: cycling([0, 0.5, 0.999]),
        });
        const bad = delays.findIndex((delay) => !(Number.isFinite(delay) && delay >= 0 && delay <= 60_000));
        expect(
          bad,
          bad === -1 ? '' : `jitter '${jitter}': delay ${bad + 1} of 399 was ${delays[bad]} ms, not within [0, 60000]`,
        ).toBe(-1);
      }
    },
  );

  check(
    {
      id: 'non-retryable-stops-at-once',
      title: 'an error shouldRetry rejects (or marked retryable: false) is not retried',
      item: 'system-error-handling',
      weight: 2,
      redFlag: 'no-error-handling',
    },
    async ({ impl }) => {
      const time = instantTime();
      const invalid = Object.assign(new Error('card number is invalid'), { code: 'E_VALIDATION' });
      const seen: [unknown, unknown][] = [];
      let calls = 0;
      const thrown = await thrownBy(() =>
        impl.retry(
          () => {
            calls++;
            throw invalid;
          },
          {
            maxAttempts: 5,
            now: time.now,
            sleep: time.sleep,
            shouldRetry: (error, attempt) => {
              seen.push([error, attempt]);
              return codeOf(error) !== 'E_VALIDATION';
            },
          },
        ),
      );
      expect(calls, `a non-retryable error was tried ${calls} times`).toBe(1);
      expect(time.sleeps, 'no sleep before giving up on a non-retryable error').toEqual([]);
      expect(seen[0], 'shouldRetry receives the error and the attempt number').toEqual([invalid, 1]);
      expect(codeOf(thrown), `rejected with ${describe(thrown)}`).toBe('ERR_RETRY_FAILED');
      expect((thrown as Kata.RetryError).reason, 'reason').toBe('not-retryable');
      expect((thrown as Kata.RetryError).cause, 'cause is the non-retryable error').toBe(invalid);

      let flagged = 0;
      const declined = Object.assign(new Error('card declined'), { code: 'card_declined', retryable: false });
      const byDefault = await thrownBy(() =>
        impl.retry(
          () => {
            flagged++;
            throw declined;
          },
          { maxAttempts: 5, now: time.now, sleep: time.sleep },
        ),
      );
      expect(flagged, `an error with retryable: false was tried ${flagged} times by default`).toBe(1);
      expect((byDefault as Kata.RetryError).reason, 'reason for retryable: false').toBe('not-retryable');

      let mixed = 0;
      await thrownBy(() =>
        impl.retry(
          () => {
            mixed++;
            throw mixed === 1 ? transient('timeout') : invalid;
          },
          {
            maxAttempts: 5,
            now: time.now,
            sleep: time.sleep,
            shouldRetry: (error) => codeOf(error) !== 'E_VALIDATION',
          },
        ),
      );
      expect(mixed, 'a timeout then a validation error: calls').toBe(2);
    },
  );

  check(
    {
      id: 'abort-stops-at-once',
      title: 'aborting rejects with the signal’s reason at once, mid-sleep or mid-call, and fn is never called again',
      item: 'system-error-handling',
      weight: 2,
    },
    async ({ impl }) => {
      const fail = (): never => {
        throw transient('down');
      };
      const before = new AbortController();
      const earlyReason = new Error('request cancelled before it started');
      before.abort(earlyReason);
      let earlyCalls = 0;
      const early = track(
        (async () =>
          impl.retry(
            () => {
              earlyCalls++;
              fail();
            },
            { signal: before.signal, sleep: createManualClock().sleep },
          ))(),
      );
      early.promise.catch(() => {});
      await flush();
      expect(earlyCalls, 'an already aborted signal: fn calls').toBe(0);
      expect(early.state(), 'an already aborted signal: retry() had not rejected').toBe('rejected');
      expect(early.error(), 'an already aborted signal rejects with its reason').toBe(earlyReason);

      const clock = createManualClock();
      const controller = new AbortController();
      const reason = new Error('client went away');
      let calls = 0;
      const call = track(
        impl.retry(
          () => {
            calls++;
            fail();
          },
          {
            maxAttempts: 5,
            baseDelayMs: 10_000,
            jitter: 'none',
            signal: controller.signal,
            now: clock.now,
            sleep: clock.sleep,
          },
        ),
      );
      call.promise.catch(() => {});
      await flush();
      expect(calls, 'calls before the abort').toBe(1);
      controller.abort(reason);
      await flush();
      expect(
        call.state(),
        'aborted during a 10 000 ms sleep: retry() was still pending with the clock standing still',
      ).toBe('rejected');
      expect(call.error(), 'aborted during a sleep: rejects with signal.reason').toBe(reason);
      await clock.advance(60_000);
      expect(calls, 'fn calls after the abort and 60 s of clock time').toBe(1);

      const midCall = new AbortController();
      const midReason = new Error('shutting down');
      let midCalls = 0;
      const hanging = track(
        impl.retry(
          () => {
            midCalls++;
            return new Promise<never>(() => {});
          },
          { maxAttempts: 5, signal: midCall.signal, now: clock.now, sleep: clock.sleep },
        ),
      );
      hanging.promise.catch(() => {});
      await flush();
      midCall.abort(midReason);
      await flush();
      expect(hanging.state(), 'aborted while fn’s promise was pending: retry() had not rejected').toBe('rejected');
      expect(hanging.error(), 'aborted mid-call: rejects with signal.reason').toBe(midReason);
      expect(midCalls, 'aborted mid-call: fn calls').toBe(1);
    },
  );

  check(
    {
      id: 'honours-retry-after',
      title: 'a Retry-After hint (seconds or HTTP date) sets the delay, clamped to the cap; garbage is ignored',
      item: 'distributed-systems',
      weight: 2,
    },
    async ({ impl }) => {
      const time = instantTime();
      const hints: { hint: unknown; expected: number; what: string }[] = [
        { hint: 5, expected: 5_000, what: 'retryAfter: 5 (seconds)' },
        { hint: '7', expected: 7_000, what: "retryAfter: '7'" },
        { hint: 'http-date', expected: 9_000, what: 'an HTTP date 9 s ahead of now()' },
        { hint: 3_600, expected: 10_000, what: 'retryAfter: 3600 with a 10 000 ms cap' },
        { hint: 'soon', expected: 100, what: "retryAfter: 'soon'" },
        { hint: '', expected: 100, what: "retryAfter: ''" },
        { hint: -5, expected: 100, what: 'retryAfter: -5' },
        { hint: Number.NaN, expected: 100, what: 'retryAfter: NaN' },
        { hint: null, expected: 100, what: 'retryAfter: null' },
        { hint: { seconds: 5 }, expected: 100, what: 'retryAfter: { seconds: 5 }' },
        { hint: 'Wed, 99 Foo 2026 25:61:00 GMT', expected: 100, what: 'an impossible HTTP date' },
      ];
      let calls = 0;
      await thrownBy(() =>
        impl.retry(
          () => {
            const { hint } = hints[calls++]!;
            const value = hint === 'http-date' ? new Date(time.now() + 9_000).toUTCString() : hint;
            throw transient('429 Too Many Requests', { retryAfter: value });
          },
          {
            maxAttempts: hints.length,
            baseDelayMs: 100,
            factor: 1,
            maxDelayMs: 10_000,
            jitter: 'none',
            now: time.now,
            sleep: time.sleep,
          },
        ),
      );
      hints.slice(0, -1).forEach(({ expected, what }, index) => {
        const delay = time.sleeps[index];
        expect(
          delay !== undefined && Math.abs(delay - expected) <= TOLERANCE_MS,
          `${what}: slept ${delay === undefined ? 'nothing' : `${fmt(delay)} ms`}, expected ${expected} ms`,
        ).toBe(true);
      });
    },
  );

  check(
    {
      id: 'rejects-bad-input',
      title: 'bad options throw a TypeError or RangeError naming the option and the value, and call nothing',
      item: 'code-error-handling',
      redFlag: 'no-error-handling',
    },
    async ({ impl }) => {
      let calls = 0;
      const fn = (): string => {
        calls++;
        return 'ok';
      };
      const retryCases: [string, unknown, Kata.RetryOptions | undefined, string][] = [
        ['fn', 42, undefined, '42'],
        ['maxAttempts', fn, { maxAttempts: 0 }, '0'],
        ['maxAttempts', fn, { maxAttempts: 2.5 }, '2.5'],
        ['maxAttempts', fn, { maxAttempts: '3' as unknown as number }, 'string'],
        ['baseDelayMs', fn, { baseDelayMs: -1 }, '-1'],
        ['maxDelayMs', fn, { baseDelayMs: 500, maxDelayMs: 100 }, '100'],
        ['factor', fn, { factor: 0.5 }, '0.5'],
        ['jitter', fn, { jitter: 'random' as Kata.Jitter }, 'random'],
      ];
      for (const [name, target, options, received] of retryCases) {
        const label = `retry() with ${name} = ${JSON.stringify(options?.[name as keyof Kata.RetryOptions] ?? target)}`;
        const thrown = await thrownBy(() => impl.retry(target as () => string, options));
        expect(thrown instanceof TypeError || thrown instanceof RangeError, `${label}: threw ${describe(thrown)}`).toBe(
          true,
        );
        const message = (thrown as Error).message;
        expect(message.includes(name), `${label}: the message "${message}" should name ${name}`).toBe(true);
        expect(
          message.includes(received),
          `${label}: the message "${message}" should say it received ${received}`,
        ).toBe(true);
      }
      expect(calls, 'fn calls made despite invalid options').toBe(0);

      const classCases: [string, () => unknown][] = [
        ['ratio', () => new impl.RetryBudget({ ratio: -0.5 })],
        ['failureThreshold', () => new impl.CircuitBreaker({ failureThreshold: 0 })],
        ['resetTimeoutMs', () => new impl.CircuitBreaker({ resetTimeoutMs: -1 })],
      ];
      for (const [name, create] of classCases) {
        const thrown = await thrownBy(create);
        expect(
          thrown instanceof TypeError || thrown instanceof RangeError,
          `constructing with a bad ${name}: threw ${describe(thrown)}`,
        ).toBe(true);
        expect((thrown as Error).message, `the message should name ${name}`).toContain(name);
      }

      const payment = scriptedPaymentService(['ok']);
      const valid = {
        userId: 'user1',
        productId: 'product1',
        paymentService: payment,
        notificationService: mockNotificationService({ failureRate: 0, random: () => 0.5 }),
        notificationQueue: memoryQueue(),
      };
      const subscriptionCases: [string, Record<string, unknown>][] = [
        ['userId', { userId: '' }],
        ['productId', { productId: 42 }],
        ['paymentService', { paymentService: {} }],
        ['notificationQueue', { notificationQueue: undefined }],
      ];
      for (const [name, change] of subscriptionCases) {
        const request = { ...valid, ...change } as unknown as Kata.CreateSubscriptionRequest;
        const thrown = await thrownBy(() => impl.createSubscriptionWithRetry(request));
        expect(
          thrown instanceof TypeError || thrown instanceof RangeError,
          `createSubscriptionWithRetry with a bad ${name}: threw ${describe(thrown)}`,
        ).toBe(true);
        expect((thrown as Error).message, `the message should name ${name}`).toContain(name);
      }
      expect(payment.calls.length, 'payment calls made for invalid requests').toBe(0);
    },
  );

  check(
    {
      id: 'no-thundering-herd',
      title: '1000 callers failing at once retry spread out: no 100 ms window holds more than 250 retries',
      item: 'distributed-systems',
      weight: 3,
      timeoutMs: 30_000,
    },
    async ({ impl, seed }) => {
      const clock = createManualClock();
      const start = clock.now();
      const random = seededRandom(seed);
      const retryTimes: number[] = [];
      let pending = 1000;
      for (let caller = 0; caller < 1000; caller++) {
        let calls = 0;
        impl
          .retry(
            () => {
              if (++calls > 1) retryTimes.push(clock.now());
              throw transient('503 Service Unavailable');
            },
            {
              maxAttempts: 4,
              baseDelayMs: 1000,
              maxDelayMs: 60_000,
              jitter: 'full',
              now: clock.now,
              sleep: clock.sleep,
              random,
            },
          )
          .catch(() => {})
          .finally(() => pending--);
      }
      await runClockUntilSettled(clock, () => pending, '1000 callers against an outage');
      expect(retryTimes.length, 'retries made by 1000 callers with maxAttempts 4').toBe(3000);
      retryTimes.sort((a, b) => a - b);
      let busiest = 0;
      let busiestAt = 0;
      for (let first = 0, last = 0; last < retryTimes.length; last++) {
        while (retryTimes[last]! - retryTimes[first]! >= 100) first++;
        if (last - first + 1 > busiest) {
          busiest = last - first + 1;
          busiestAt = retryTimes[first]!;
        }
      }
      const at = busiestAt - start;
      expect(
        busiest <= 250,
        `${busiest} of 3000 retries hit the service within 100 ms (from t = ${fmt(at)} ms): a thundering herd`,
      ).toBe(true);
    },
  );

  check(
    {
      id: 'budget-caps-retry-storm',
      title: '1000 callers sharing a RetryBudget (ratio 0.1, 10 initial tokens) make at most 1110 calls in an outage',
      item: 'distributed-systems',
      weight: 3,
      timeoutMs: 30_000,
    },
    async ({ impl, seed }) => {
      const clock = createManualClock();
      const budget = new impl.RetryBudget({ ratio: 0.1, initialTokens: 10, maxTokens: 1000 });
      const random = seededRandom(seed);
      let serviceCalls = 0;
      let pending = 1000;
      const reasons = new Map<unknown, number>();
      for (let caller = 0; caller < 1000; caller++) {
        impl
          .retry(
            () => {
              serviceCalls++;
              throw transient('503 Service Unavailable');
            },
            {
              maxAttempts: 5,
              baseDelayMs: 100,
              maxDelayMs: 10_000,
              jitter: 'full',
              budget,
              now: clock.now,
              sleep: clock.sleep,
              random,
            },
          )
          .catch((error: unknown) => {
            const reason = (error as { reason?: unknown }).reason;
            reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
          })
          .finally(() => pending--);
      }
      await runClockUntilSettled(clock, () => pending, '1000 callers sharing a budget');
      const retries = serviceCalls - 1000;
      expect(
        serviceCalls <= 1110,
        `the service received ${serviceCalls} calls (${retries} retries) from 1000 callers: the budget allows 10 + 0.1 × 1000 = 110 retries`,
      ).toBe(true);
      expect(
        retries >= 100,
        `only ${retries} retries went through: each of the 1000 calls should have earned 0.1 token on top of the 10 initial ones`,
      ).toBe(true);
      expect(
        reasons.get('budget-exhausted') ?? 0,
        `callers refused by the budget should reject with reason 'budget-exhausted' (reasons seen: ${JSON.stringify([...reasons])})`,
      ).toBeGreaterThan(0);
    },
  );

  check(
    {
      id: 'breaker-opens-after-consecutive-failures',
      title: 'the breaker opens after failureThreshold consecutive failures and then refuses calls without making them',
      item: 'system-error-handling',
      weight: 2,
    },
    async ({ impl }) => {
      let now = Date.UTC(2026, 0, 1);
      const breaker = new impl.CircuitBreaker({ failureThreshold: 3, resetTimeoutMs: 1000, now: () => now });
      const fail = (): Promise<never> => Promise.reject(transient('down'));
      const ok = (): Promise<string> => Promise.resolve('ok');
      for (const step of [fail, fail, ok, fail, fail]) await thrownBy(() => breaker.execute(step));
      expect(breaker.state, 'after fail, fail, success, fail, fail (threshold 3) the breaker is').toBe('closed');
      await thrownBy(() => breaker.execute(fail));
      expect(breaker.state, 'after a third consecutive failure the breaker is').toBe('open');
      let called = false;
      now += 500;
      const refused = await thrownBy(() =>
        breaker.execute(async () => {
          called = true;
          return 'ok';
        }),
      );
      expect(codeOf(refused), `an open breaker rejected with ${describe(refused)}`).toBe('ERR_CIRCUIT_OPEN');
      expect(called, 'an open breaker called fn').toBe(false);
    },
  );

  check(
    {
      id: 'breaker-half-open-trial',
      title: 'after resetTimeoutMs one trial call goes through: success closes, failure re-opens for a full timeout',
      item: 'error-recovery',
      weight: 2,
    },
    async ({ impl }) => {
      let now = Date.UTC(2026, 0, 1);
      const breaker = new impl.CircuitBreaker({ failureThreshold: 2, resetTimeoutMs: 1000, now: () => now });
      const fail = (): Promise<never> => Promise.reject(transient('down'));
      await thrownBy(() => breaker.execute(fail));
      await thrownBy(() => breaker.execute(fail));
      now += 999;
      let calls = 0;
      const counted = (result: 'ok' | 'fail') => async () => {
        calls++;
        if (result === 'fail') throw transient('still down');
        return 'ok';
      };
      const early = await thrownBy(() => breaker.execute(counted('ok')));
      expect(codeOf(early), `999 ms after opening (timeout 1000) a call got ${describe(early)}`).toBe(
        'ERR_CIRCUIT_OPEN',
      );
      now += 1;

      let release: (value: string) => void = () => {};
      const trial = track(
        breaker.execute(() => {
          calls++;
          return new Promise<string>((resolve) => (release = resolve));
        }),
      );
      await flush();
      expect(calls, '1000 ms after opening (timeout 1000), calls the trial let through').toBe(1);
      const second = await thrownBy(() => breaker.execute(counted('ok')));
      expect(codeOf(second), `a second call while the half-open trial is running got ${describe(second)}`).toBe(
        'ERR_CIRCUIT_OPEN',
      );
      expect(calls, 'calls let through while half-open with one trial in flight').toBe(1);
      release('ok');
      await flush();
      expect(trial.state(), 'the trial call').toBe('fulfilled');
      expect(breaker.state, 'after a successful trial the breaker is').toBe('closed');
      expect(await breaker.execute(counted('ok')), 'a call after the breaker closed').toBe('ok');

      await thrownBy(() => breaker.execute(fail));
      await thrownBy(() => breaker.execute(fail));
      now += 1000;
      await thrownBy(() => breaker.execute(counted('fail')));
      expect(breaker.state, 'after a failed trial the breaker is').toBe('open');
      now += 999;
      const reopened = await thrownBy(() => breaker.execute(counted('ok')));
      expect(
        codeOf(reopened),
        `999 ms after a failed trial (timeout 1000) a call got ${describe(reopened)}: the timeout must restart`,
      ).toBe('ERR_CIRCUIT_OPEN');
      now += 1;
      expect(await breaker.execute(counted('ok')), 'a trial a full timeout after the failed one').toBe('ok');
      expect(breaker.state, 'after that trial succeeded').toBe('closed');
    },
  );

  check(
    {
      id: 'breaker-shields-service-in-outage',
      title:
        '1000 callers through one breaker in a 25 s outage: the service sees few calls, the breaker half-opens, then closes',
      item: 'distributed-systems',
      weight: 3,
      timeoutMs: 30_000,
    },
    async ({ impl, seed }) => {
      const clock = createManualClock();
      const start = clock.now();
      const recoversAt = start + 25_000;
      const log: ({ kind: 'change'; to: Kata.CircuitState; at: number } | { kind: 'call'; at: number })[] = [];
      const breaker = new impl.CircuitBreaker({
        failureThreshold: 5,
        resetTimeoutMs: 10_000,
        halfOpenMaxCalls: 1,
        now: clock.now,
        onStateChange: (change) => log.push({ kind: 'change', to: change.to, at: clock.now() }),
      });
      const random = seededRandom(seed);
      const service = async (): Promise<string> => {
        log.push({ kind: 'call', at: clock.now() });
        await clock.sleep(50);
        if (clock.now() < recoversAt) throw transient('503 Service Unavailable');
        return 'ok';
      };
      const outcomes: { arrivedAt: number; ok: boolean }[] = [];
      let pending = 0;
      let arriving = true;
      const arrivals = (async () => {
        for (let caller = 0; caller < 1000; caller++) {
          const arrivedAt = clock.now();
          pending++;
          impl
            .retry(service, {
              maxAttempts: 3,
              baseDelayMs: 100,
              maxDelayMs: 1000,
              jitter: 'full',
              breaker,
              now: clock.now,
              sleep: clock.sleep,
              random,
            })
            .then(
              () => outcomes.push({ arrivedAt, ok: true }),
              () => outcomes.push({ arrivedAt, ok: false }),
            )
            .finally(() => pending--);
          if (caller < 999) await clock.sleep(40);
        }
      })().finally(() => (arriving = false));
      await runClockUntilSettled(clock, () => pending + (arriving ? 1 : 0), '1000 callers through one breaker');
      await arrivals;

      const callsInOutage = log.filter((entry) => entry.kind === 'call' && entry.at < recoversAt).length;
      expect(
        callsInOutage <= 20,
        `the service received ${callsInOutage} calls during the 25 s outage: the breaker did not keep them away`,
      ).toBe(true);

      const changes = log.filter((entry) => entry.kind === 'change');
      const sequence = changes.map((change) => change.to).join(' → ');
      expect(changes[0]?.to, `state changes: ${sequence || 'none'}; the first should be to open`).toBe('open');
      const halfOpens = changes.filter((change) => change.to === 'half-open').length;
      expect(
        halfOpens >= 2,
        `state changes: ${sequence}; a 25 s outage with a 10 s reset timeout should half-open, fail the trial and re-open`,
      ).toBe(true);
      const closed = changes.find((change) => change.to === 'closed');
      expect(
        closed !== undefined,
        `state changes: ${sequence}; the breaker never closed after the service recovered`,
      ).toBe(true);
      expect(
        closed!.at >= recoversAt,
        `the breaker closed at t = ${closed!.at - start} ms, before the service recovered at 25 000 ms`,
      ).toBe(true);
      expect(breaker.state, 'the breaker at the end').toBe('closed');

      let trialsPerHalfOpen = 0;
      let inHalfOpen = false;
      for (const entry of log) {
        if (entry.kind === 'change') {
          inHalfOpen = entry.to === 'half-open';
          trialsPerHalfOpen = 0;
        } else if (inHalfOpen && ++trialsPerHalfOpen > 1) {
          throw new Error(
            `a second call reached the service at t = ${entry.at - start} ms while the breaker was half-open (halfOpenMaxCalls 1)`,
          );
        }
      }

      const late = outcomes.filter((outcome) => outcome.arrivedAt > closed!.at);
      const lateFailures = late.filter((outcome) => !outcome.ok).length;
      expect(late.length, 'callers arriving after the breaker closed').toBeGreaterThan(100);
      expect(lateFailures, `${lateFailures} of ${late.length} callers arriving after the breaker closed failed`).toBe(
        0,
      );
    },
  );

  check(
    {
      id: 'seed-resilience',
      title:
        'property: with MockPaymentService failureRate 0.5 and MockNotificationService 0.3 the subscription is created with exactly one charge',
      item: 'error-recovery',
      weight: 3,
      redFlag: 'no-retry-mechanism',
    },
    async ({ impl, property }) => {
      const maxAttempts = 12;
      await property(
        fc.asyncProperty(fc.integer(), async (caseSeed) => {
          // Replay the payment service's dice to know whether any of the 12 attempts can succeed.
          const preview = seededRandom(caseSeed);
          const firstSuccess = Array.from({ length: maxAttempts }, preview).findIndex((roll) => roll >= 0.5);
          const paymentService = mockPaymentService({ failureRate: 0.5, random: seededRandom(caseSeed) });
          const notificationService = mockNotificationService({
            failureRate: 0.3,
            random: seededRandom(caseSeed ^ 0x5bd1e995),
          });
          const notificationQueue = memoryQueue();
          const time = instantTime();
          const outcome = await impl
            .createSubscriptionWithRetry({
              userId: 'user1',
              productId: 'product1',
              paymentService,
              notificationService,
              notificationQueue,
              retry: {
                maxAttempts,
                baseDelayMs: 100,
                maxDelayMs: 2_000,
                now: time.now,
                sleep: time.sleep,
                random: seededRandom(caseSeed + 1),
              },
            })
            .then(
              (subscription) => ({ ok: true as const, subscription }),
              (error: unknown) => ({ ok: false as const, error }),
            );
          const keys = new Set(paymentService.calls.map((call) => call.idempotencyKey));
          expect(
            paymentService.charges.length <= 1,
            `${paymentService.charges.length} charges for one subscription (${paymentService.calls.length} payment calls, ${keys.size} idempotency keys)`,
          ).toBe(true);
          if (firstSuccess === -1) {
            expect(outcome.ok, 'all 12 payment attempts failed, yet a subscription was created').toBe(false);
            return;
          }
          expect(
            outcome.ok,
            `payment attempt ${firstSuccess + 1} of ${maxAttempts} would succeed, but createSubscriptionWithRetry failed: ${outcome.ok ? '' : describe(outcome.error)}`,
          ).toBe(true);
          if (!outcome.ok) return;
          const { subscription } = outcome;
          expect(paymentService.calls.length, 'payment calls until the first success').toBe(firstSuccess + 1);
          expect(paymentService.charges.length, 'charges for one subscription').toBe(1);
          expect(subscription.chargeId, 'the subscription’s chargeId').toBe(paymentService.charges[0]!.chargeId);
          expect(subscription.status, 'status').toBe('active');
          const delivered = notificationService.delivered.filter((record) => record.id === subscription.id).length;
          const queued = notificationQueue.jobs.filter((job) => job.subscriptionId === subscription.id).length;
          expect(
            delivered + queued,
            `confirmations delivered (${delivered}) plus queued (${queued}) for subscription ${subscription.id}`,
          ).toBe(1);
          expect(subscription.notification, 'notification').toBe(delivered === 1 ? 'sent' : 'queued');
        }),
        { numRuns: 40 },
      );
    },
  );

  check(
    {
      id: 'single-charge-across-retries',
      title: 'retries after lost payment responses reuse one idempotency key, so the customer is charged once',
      item: 'idempotency',
      weight: 3,
      redFlag: 'no-idempotency',
    },
    async ({ impl }) => {
      const time = instantTime();
      const paymentService = scriptedPaymentService(['lost', 'lost', 'ok']);
      const subscription = await impl.createSubscriptionWithRetry({
        userId: 'user1',
        productId: 'product1',
        paymentService,
        notificationService: mockNotificationService({ failureRate: 0, random: () => 0.5 }),
        notificationQueue: memoryQueue(),
        retry: { maxAttempts: 5, baseDelayMs: 100, now: time.now, sleep: time.sleep, random: () => 0.5 },
      });
      const keys = paymentService.calls.map((call) => call.idempotencyKey);
      expect(paymentService.calls.length, 'payment calls: lost, lost, ok').toBe(3);
      expect(
        paymentService.charges.length,
        `the customer was charged ${paymentService.charges.length} times; idempotency keys sent: ${JSON.stringify(keys)}`,
      ).toBe(1);
      expect(new Set(keys).size, `idempotency keys sent: ${JSON.stringify(keys)}`).toBe(1);
      expect(typeof keys[0] === 'string' && keys[0] !== '', 'the idempotency key is a non-empty string').toBe(true);
      expect(subscription.chargeId, 'the subscription’s chargeId').toBe(paymentService.charges[0]!.chargeId);

      const withClientKey = scriptedPaymentService(['lost', 'ok']);
      await impl.createSubscriptionWithRetry({
        userId: 'user1',
        productId: 'product1',
        idempotencyKey: 'order-42',
        paymentService: withClientKey,
        notificationService: mockNotificationService({ failureRate: 0, random: () => 0.5 }),
        notificationQueue: memoryQueue(),
        retry: { maxAttempts: 5, now: time.now, sleep: time.sleep, random: () => 0.5 },
      });
      expect(
        withClientKey.calls.map((call) => call.idempotencyKey),
        'the client’s idempotencyKey is sent on every attempt',
      ).toEqual(['order-42', 'order-42']);
    },
  );

  check(
    {
      id: 'notification-failure-is-queued',
      title: 'a confirmation that cannot be sent is queued, and the paid subscription is still returned',
      item: 'system-error-handling',
      weight: 2,
      redFlag: 'no-error-handling',
    },
    async ({ impl }) => {
      const time = instantTime();
      const retry = { maxAttempts: 3, now: time.now, sleep: time.sleep, random: () => 0.5 };
      const down = mockNotificationService({ failureRate: 1, random: () => 0.5 });
      const queue = memoryQueue();
      const payment = scriptedPaymentService(['ok']);
      const outcome = await impl
        .createSubscriptionWithRetry({
          userId: 'user1',
          productId: 'product1',
          paymentService: payment,
          notificationService: down,
          notificationQueue: queue,
          retry,
        })
        .then(
          (subscription) => ({ ok: true as const, subscription }),
          (error: unknown) => ({ ok: false as const, error }),
        );
      expect(
        outcome.ok,
        `the notification service is down: createSubscriptionWithRetry failed after charging the customer: ${outcome.ok ? '' : describe(outcome.error)}`,
      ).toBe(true);
      if (!outcome.ok) return;
      const { subscription } = outcome;
      expect(subscription.notification, 'notification').toBe('queued');
      expect(payment.charges.length, 'charges').toBe(1);
      expect(
        queue.jobs.map((job) => job.subscriptionId),
        'jobs queued for the failed confirmation',
      ).toEqual([subscription.id]);

      const up = mockNotificationService({ failureRate: 0, random: () => 0.5 });
      const emptyQueue = memoryQueue();
      const sent = await impl.createSubscriptionWithRetry({
        userId: 'user2',
        productId: 'product1',
        paymentService: scriptedPaymentService(['ok']),
        notificationService: up,
        notificationQueue: emptyQueue,
        retry,
      });
      expect(sent.notification, 'notification when the service is up').toBe('sent');
      expect(
        up.delivered.map((record) => record.id),
        'confirmations delivered when the service is up',
      ).toEqual([sent.id]);
      expect(emptyQueue.jobs, 'jobs queued when the confirmation was sent').toEqual([]);
    },
  );

  check(
    {
      id: 'payment-decline-not-retried',
      title: 'a declined card (retryable: false) fails the subscription after one payment call, with nothing sent',
      item: 'system-error-handling',
    },
    async ({ impl }) => {
      const time = instantTime();
      const decline = Object.assign(new Error('card declined'), { code: 'card_declined', retryable: false });
      const calls: Kata.ChargeRequest[] = [];
      const notifications = mockNotificationService({ failureRate: 0, random: () => 0.5 });
      const queue = memoryQueue();
      const thrown = await thrownBy(() =>
        impl.createSubscriptionWithRetry({
          userId: 'user1',
          productId: 'product1',
          paymentService: {
            async charge(request) {
              calls.push(request);
              throw decline;
            },
          },
          notificationService: notifications,
          notificationQueue: queue,
          retry: { maxAttempts: 5, now: time.now, sleep: time.sleep, random: () => 0.5 },
        }),
      );
      expect(calls.length, `a declined card was charged ${calls.length} times`).toBe(1);
      expect(
        thrown === decline || (thrown as { cause?: unknown } | undefined)?.cause === decline,
        `createSubscriptionWithRetry should reject with the decline (or an error caused by it), got ${describe(thrown)}`,
      ).toBe(true);
      expect(notifications.attempts + queue.jobs.length, 'confirmations sent or queued for a declined card').toBe(0);
    },
  );
});
