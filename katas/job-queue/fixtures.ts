/**
 * What the job-queue spec builds on, beyond the kit: several app instances on one database file
 * sharing one manual clock, a way to wait until every instance has gone quiet, the generators of
 * keys, payloads, thrown values and options, and the comparison of a whole queue with the model.
 */
import fc from 'fast-check';
import { setImmediate, setTimeout } from 'node:timers';
import {
  createTestDatabase,
  openTestDatabase,
  type CrashTiming,
  type Database,
  type StatementInfo,
  type StatementOutcome,
  type TableDump,
  type TestDatabase,
} from '../../harness/kit/db/index.ts';
import {
  createManualClock,
  expectOutcome,
  expectValue,
  settle,
  show,
  type ErrorClasses,
  type ManualClock,
} from '../../harness/kit/index.ts';
import * as model from './model.ts';
import { THROWN_VALUES, type Thrown } from './thrown.ts';
import type * as Kata from './index.ts';

export type Impl = typeof Kata;
export type Queue = Kata.JobQueue;
export type QueueOptions = Kata.JobQueueOptions;

export const MAX_MS = model.MAX_DURATION_MS;

export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

/**
 * Counts everything an instance does that the spec can see: statements, sleeps, handler calls.
 * `quiesce` waits until nothing has happened for several event-loop turns in a row.
 */
export class Activity {
  count = 0;
  /** When a statement last met SQLITE_BUSY (performance.now()): the kit may then retry on a timer. */
  lastBusyAt = Number.NEGATIVE_INFINITY;
  bump(): void {
    this.count++;
  }
}

export class NeverQuietError extends Error {
  constructor(turns: number) {
    super(
      `the app instances were still busy after ${turns} event-loop turns with the clock stopped: a poll loop that does not wait with sleep(pollIntervalMs)?`,
    );
    this.name = 'NeverQuietError';
  }
}

/** The database kit retries a lock race after at most 16 ms of real time; wait well past that. */
const BUSY_SETTLE_MS = 40;

function realDelay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function quiesce(activity: Activity, quietTurns = 6, maxTurns = 20_000): Promise<void> {
  let last = activity.count;
  let quiet = 0;
  for (let turn = 0; turn < maxTurns; turn++) {
    await nextTurn();
    if (activity.count !== last) {
      quiet = 0;
      last = activity.count;
      continue;
    }
    if (++quiet < quietTurns) continue;
    // Quiet, unless a lock race is waiting out the kit's real-time backoff.
    if (performance.now() - activity.lastBusyAt >= BUSY_SETTLE_MS) return;
    await realDelay(5);
    quiet = 0;
  }
  throw new NeverQuietError(maxTurns);
}

/**
 * An app instance that can die in the middle of a call, as a process would: the kit's crash rolls
 * back what it held open and none of its calls settles from then on, results already computed
 * included. The statement hooks tell the cluster something happened (see quiesce) and can hold
 * the instance's next statement, to catch a call in the middle.
 */
export class Instance {
  readonly db: Database;
  private gate: Deferred<void> | undefined;
  queue!: Queue;

  constructor(
    readonly name: string,
    readonly testDb: TestDatabase,
    private readonly activity: Activity,
  ) {
    testDb.setHooks({
      beforeStatement: (statement) => this.before(statement),
      afterStatement: (statement, outcome) => this.after(statement, outcome),
    });
    this.db = testDb.db;
  }

  get crashed(): boolean {
    return this.testDb.crashed;
  }

  /** The instance dies now. */
  crash(): void {
    this.testDb.crash();
  }

  /**
   * The instance will die at statement skip + 1 of whatever it does next (BEGIN and COMMIT count;
   * the kit's ROLLBACK does not), just before it runs or just after. Returns whether it did.
   */
  crashAt(skip: number, timing: CrashTiming): { readonly fired: () => boolean; remove(): void } {
    const fault = this.testDb.injectFault({ when: betweenStatements, skip, crash: timing });
    return { fired: () => fault.fired > 0, remove: () => fault.remove() };
  }

  /** Holds the next statement until the returned gate opens: a call caught in the middle. */
  holdNextStatement(): Deferred<void> {
    this.gate = deferred<void>();
    return this.gate;
  }

  private async before(_statement: StatementInfo): Promise<void> {
    this.activity.bump();
    const gate = this.gate;
    if (gate === undefined) return;
    this.gate = undefined;
    await gate.promise;
  }

  private after(_statement: StatementInfo, outcome: StatementOutcome): void {
    this.activity.bump();
    if (outcome.busy) this.activity.lastBusyAt = performance.now();
  }
}

export type FaultEffect = 'error' | 'crash-before' | 'crash-after';

/** Not the kit's own ROLLBACK: a fault there is how any failure ends anyway. */
export const betweenStatements = (statement: StatementInfo): boolean => statement.kind !== 'rollback';

/**
 * A database error at statement skip + 1 of the instance (BEGIN and COMMIT included), or the
 * instance crashing just before or just after it.
 */
export function injectAt(instance: Instance, effect: FaultEffect, skip: number): { fired(): boolean; remove(): void } {
  if (effect === 'error') {
    const fault = instance.testDb.injectFault({ when: betweenStatements, skip });
    return { fired: () => fault.fired > 0, remove: () => fault.remove() };
  }
  return instance.crashAt(skip, effect === 'crash-before' ? 'before' : 'after');
}

export interface ClusterOptions {
  readonly seed?: number;
  readonly maxYields?: number;
  /** Queue options besides now, sleep and random, which the cluster provides. */
  readonly queue?: QueueOptions;
  /** What random() returns, every call. */
  readonly random?: number;
  readonly startMs?: number;
}

/** App instances on one database file, one manual clock for all of them. */
export class Cluster {
  readonly clock: ManualClock;
  readonly activity = new Activity();
  readonly instances: Instance[] = [];
  readonly queueOptions: QueueOptions;
  private opened = 0;

  private constructor(
    private readonly impl: Impl,
    readonly root: TestDatabase,
    private readonly options: ClusterOptions,
  ) {
    this.clock = createManualClock(options.startMs === undefined ? {} : { startMs: options.startMs });
    const random = options.random ?? 0.5;
    this.queueOptions = {
      ...options.queue,
      now: this.clock.now,
      sleep: (ms: number) => {
        this.activity.bump();
        return this.clock.sleep(ms);
      },
      random: () => random,
    };
  }

  /** A fresh database file and no instance yet. */
  static create(impl: Impl, options: ClusterOptions = {}): Cluster {
    return new Cluster(impl, createTestDatabase({ seed: options.seed ?? 0 }), options);
  }

  /** Another app instance: its own connections to the file, its own queue object, init() called. */
  async open(name?: string): Promise<Instance> {
    const index = this.opened++;
    const testDb = openTestDatabase(this.root.file, {
      seed: (this.options.seed ?? 0) + index * 7919,
      maxYields: this.options.maxYields ?? 0,
    });
    const instance = new Instance(name ?? `instance ${String.fromCharCode(65 + index)}`, testDb, this.activity);
    instance.queue = this.impl.createJobQueue(instance.db, this.queueOptions);
    this.instances.push(instance);
    await instance.queue.init();
    return instance;
  }

  crash(instance: Instance): void {
    instance.crash();
  }

  quiesce(): Promise<void> {
    return quiesce(this.activity);
  }

  async close(): Promise<void> {
    for (const instance of this.instances) instance.crash();
    for (const instance of this.instances) await instance.testDb.close();
    await this.root.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary: keys that differ only in the ways the README says still count.
// ---------------------------------------------------------------------------------------------

export const KEY_VOCABULARY: readonly string[] = [
  'otp-1',
  'OTP-1',
  'otp-1 ',
  'promo_2',
  'promo.2',
  'promo-2',
  '\u00e9',
  'e\u0301',
  '\u{1F4E7}-3',
  'k\u0000z',
  ' ',
  'evt:81',
];

/** The keys one run uses: a few of the vocabulary, in some order. */
export const keyPool = fc.shuffledSubarray([...KEY_VOCABULARY], { minLength: 2, maxLength: 5 });

export const payloadArb = fc.oneof(
  fc.constant(''),
  fc.constant('{"to":"a@b.c","template":"otp"}'),
  fc.string({ unit: 'binary', maxLength: 6 }),
);

export type { Thrown };

export const thrownArb: fc.Arbitrary<Thrown> = fc.constantFrom(...THROWN_VALUES);

/** Durations biased to the edges of their range. */
export function durationArb(min: number, max: number, typical: readonly number[]): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...typical.filter((value) => value >= min && value <= max)) },
    { weight: 1, arbitrary: fc.integer({ min, max }) },
    { weight: 1, arbitrary: fc.constantFrom(min, max) },
  );
}

/** One option drawn from its range, left out, or given as undefined (both mean the default). */
function optional<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | 'absent' | undefined> {
  return fc.oneof({ weight: 4, arbitrary: arb }, fc.constant('absent' as const), fc.constant(undefined));
}

export interface DrawnQueueOptions {
  /** What createJobQueue is given (without now, sleep, random). */
  readonly given: QueueOptions;
  /** What the model runs with: the defaults filled in. */
  readonly effective: model.QueueModelOptions;
  readonly description: string;
}

export const DEFAULTS = {
  leaseMs: 300_000,
  maxAttempts: 5,
  backoffBaseMs: 2_000,
  backoffCapMs: 3_600_000,
  jitter: 'none' as const,
  concurrency: 20,
  bufferSize: 50,
  pollIntervalMs: 2_000,
  graceMs: 30_000,
};

export function queueOptionsArb(shape: { readonly shortLeases?: boolean } = {}): fc.Arbitrary<DrawnQueueOptions> {
  const lease = shape.shortLeases
    ? durationArb(1, MAX_MS, [1, 50, 500, 1_000, 5_000])
    : durationArb(1, MAX_MS, [1, 1_000, 60_000, 300_000]);
  return fc
    .record({
      leaseMs: optional(lease),
      maxAttempts: optional(
        fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }) }, fc.constantFrom(4, 5, 1_000, MAX_MS)),
      ),
      backoffBaseMs: optional(durationArb(0, MAX_MS, [0, 1, 100, 2_000])),
      capOffset: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 10_000 }), fc.constant(MAX_MS)),
      capGiven: fc.integer({ min: 0, max: 3 }),
      jitter: optional(fc.constantFrom('none' as const, 'full' as const)),
      random: fc.oneof(
        fc.constantFrom(0, 0.5, 0.999_999_999),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      ),
    })
    .map((drawn) => {
      const given: Record<string, unknown> = {};
      const put = (name: string, value: unknown) => {
        if (value !== 'absent') given[name] = value;
      };
      put('leaseMs', drawn.leaseMs);
      put('maxAttempts', drawn.maxAttempts);
      put('backoffBaseMs', drawn.backoffBaseMs);
      put('jitter', drawn.jitter);
      const base =
        drawn.backoffBaseMs === 'absent' || drawn.backoffBaseMs === undefined
          ? DEFAULTS.backoffBaseMs
          : drawn.backoffBaseMs;
      const defaultCap = Math.max(DEFAULTS.backoffCapMs, base);
      // capGiven 0: left to its default; otherwise a cap from base up.
      let cap = defaultCap;
      if (drawn.capGiven > 0) {
        cap = Math.min(MAX_MS, base + drawn.capOffset);
        given.backoffCapMs = cap;
      }
      const effective: model.QueueModelOptions = {
        leaseMs: typeof drawn.leaseMs === 'number' ? drawn.leaseMs : DEFAULTS.leaseMs,
        maxAttempts: typeof drawn.maxAttempts === 'number' ? drawn.maxAttempts : DEFAULTS.maxAttempts,
        backoffBaseMs: base,
        backoffCapMs: cap,
        jitter: drawn.jitter === 'full' ? 'full' : 'none',
        random: drawn.random,
      };
      return { given: given as QueueOptions, effective, description: `${show(given)}, random() = ${drawn.random}` };
    });
}

// ---------------------------------------------------------------------------------------------
// Comparing a whole queue with the model.
// ---------------------------------------------------------------------------------------------

export function classesOf(impl: Impl): ErrorClasses {
  return impl as unknown as ErrorClasses;
}

/**
 * Every key's job, the dead letters and the stats, as seen through `queue`, against the model.
 * Which of the three is read first rotates from call to call: an implementation that settles
 * ended leases in some reads only must not be covered by the others.
 */
export async function expectQueueState(
  queue: Queue,
  state: model.QueueState,
  options: model.QueueModelOptions,
  now: number,
  keys: readonly string[],
  through: string,
  classes: ErrorClasses,
  /** Which read goes first: 0 the jobs, 1 the dead letters, 2 the stats (and on round). */
  first = 0,
): Promise<void> {
  const expected = model.cloneQueue(state);
  const jobs = async () => {
    for (const key of keys) {
      expectOutcome(
        await settle(() => queue.getJob(key)),
        expectValue(model.getJob(expected, options, now, key)),
        `${through}: getJob(${show(key)})`,
        classes,
      );
    }
  };
  const deadLetters = async () =>
    expectOutcome(
      await settle(() => queue.listDeadLetters()),
      expectValue(model.deadLetters(expected, options, now)),
      `${through}: listDeadLetters()`,
      classes,
    );
  const stats = async () =>
    expectOutcome(
      await settle(() => queue.stats()),
      expectValue(model.stats(expected, options, now)),
      `${through}: stats()`,
      classes,
    );
  const reads = [jobs, deadLetters, stats];
  for (let index = 0; index < reads.length; index++) await reads[(first + index) % reads.length]!();
}

/** What changed between two dumps, per table; '' when nothing did. */
export function dumpDifference(before: TableDump, after: TableDump): string {
  const changes: string[] = [];
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const was = new Set((before[table] ?? []).map((row) => show(row, 400)));
    const now = new Set((after[table] ?? []).map((row) => show(row, 400)));
    const added = [...now].filter((row) => !was.has(row));
    const removed = [...was].filter((row) => !now.has(row));
    if (added.length === 0 && removed.length === 0) continue;
    changes.push(`${table}: ${added.length} row(s) added, ${removed.length} removed (e.g. ${added[0] ?? removed[0]})`);
  }
  return changes.join('; ');
}

/** Describes a key for messages, escapes included. */
export function showKey(key: string): string {
  return show(key);
}
