/**
 * What the job-queue spec builds on, beyond the kit: several app instances on one database file
 * sharing one manual clock, a way to wait until every instance has gone quiet, the generators of
 * keys, payloads, thrown values and options, and the comparison of a whole queue with the model.
 */
import fc from 'fast-check';
import { setImmediate, setTimeout } from 'node:timers';
import {
  chosenEngine,
  createTestDatabase,
  openTestDatabase,
  type CrashTiming,
  type Database,
  type Queryable,
  type StatementInfo,
  type StatementOutcome,
  type TableDump,
  type TestDatabase,
  type Transaction,
  type TransactionOptions,
} from '../../harness/kit/db/index.ts';
import {
  createManualClock,
  expectOutcome,
  expectValue,
  lazyArbitrary,
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
  /**
   * PostgreSQL only: calls of live instances that the kit is still working on (see `counted`), less
   * those held by `holdNextStatement`. Always 0 on SQLite.
   */
  get pending(): number {
    let pending = 0;
    for (const source of this.sources) pending += source();
    return pending;
  }
  /** Each live instance's count of pending calls (0 once it crashed, by a fault or by the spec). */
  readonly sources = new Set<() => number>();
  bump(): void {
    this.count++;
  }
}

/**
 * How many cases a check runs: all of them on SQLite; on PostgreSQL, where every statement is a
 * round trip through the kit's sequencer and every cluster a CREATE DATABASE (about ten times
 * SQLite's cost on the 2-core box) while a check's time limit is the same on both engines, the
 * heaviest checks run fewer. Read when the check runs (KATA_DB is set by then).
 */
export function casesOn(sqlite: number, postgres: number): number {
  return chosenEngine() === 'postgres' ? postgres : sqlite;
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

/** How long a call beside a held one may take on PostgreSQL before the held one goes on. */
const LOCK_WAIT_MS = 250;

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
    // Quiet, unless a call is still with the PostgreSQL kit (a connection opening, a statement
    // waiting for its turn or for the server): that takes real time, not event-loop turns.
    if (activity.pending > 0) {
      await realDelay(1);
      quiet = 0;
      continue;
    }
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
    this.db = testDb.dialect === 'postgres' ? this.counted(testDb.db) : testDb.db;
    if (testDb.dialect === 'postgres') activity.sources.add(() => (this.testDb.crashed ? 0 : this.pending - this.held));
  }

  /** Statements held by holdNextStatement: the spec's doing, not work in progress. */
  private held = 0;

  get crashed(): boolean {
    return this.testDb.crashed;
  }

  /** The instance dies now. */
  crash(): void {
    this.testDb.crash();
  }

  /** Calls of this instance the kit is working on (PostgreSQL only), as counted into `activity.pending`. */
  private pending = 0;

  private setPending(pending: number): void {
    this.pending = pending;
    this.activity.bump();
  }

  /** Counts `promise` as pending work of this instance until it settles. */
  private track<T>(promise: Promise<T>): Promise<T> {
    this.setPending(this.pending + 1);
    const done = (): void => this.setPending(Math.max(0, this.pending - 1));
    promise.then(done, done);
    return promise;
  }

  /**
   * PostgreSQL: the same handle, counting every call the kit is still working on, because there a
   * statement spends real time where no hook sees it (a pooled connection opening, its turn in the
   * kit's sequencer, the server's answer). A transaction counts until its body starts and again
   * from the body's end until it settles; the body's own statements count one by one, so a body
   * awaiting something else (a handler) is quiet, as on SQLite.
   */
  private counted(db: Database): Database {
    const queryable = (target: Queryable): Queryable => ({
      run: (sql, ...params) => this.track(target.run(sql, ...params)),
      get: (sql, ...params) => this.track(target.get(sql, ...params)),
      all: (sql, ...params) => this.track(target.all(sql, ...params)),
      exec: (sql) => this.track(target.exec(sql)),
    });
    return {
      ...queryable(db),
      dialect: db.dialect,
      transaction: <T>(body: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T> => {
        let counting = true;
        this.setPending(this.pending + 1);
        const stopCounting = (): void => {
          if (!counting) return;
          counting = false;
          this.setPending(Math.max(0, this.pending - 1));
        };
        const result = db.transaction(async (tx) => {
          stopCounting();
          try {
            const handle = Object.assign(queryable(tx), {
              mode: tx.mode,
              attempt: tx.attempt,
              isolation: tx.isolation,
            });
            return await body(handle);
          } finally {
            counting = true;
            this.setPending(this.pending + 1);
          }
        }, options);
        result.then(stopCounting, stopCounting);
        return result;
      },
    };
  }

  /**
   * The instance will die at statement skip + 1 of whatever it does next (BEGIN and COMMIT count;
   * the kit's ROLLBACK does not), just before it runs or just after. Returns whether it did.
   */
  crashAt(skip: number, timing: CrashTiming): { readonly fired: () => boolean; remove(): void } {
    const fault = this.testDb.injectFault({ when: betweenStatements, skip, crash: timing });
    return { fired: () => fault.fired > 0, remove: () => fault.remove() };
  }

  /** Statements to let run before the gate holds one. */
  private gateSkip = 0;

  /**
   * Holds the statement after the next `skip` ones (BEGIN and COMMIT count) until the returned
   * gate opens: a call caught in the middle.
   */
  holdNextStatement(skip = 0): Deferred<void> {
    this.gate = deferred<void>();
    this.gateSkip = skip;
    return this.gate;
  }

  /** Whether a statement is being held by holdNextStatement right now. */
  get holding(): boolean {
    return this.held > 0;
  }

  private async before(_statement: StatementInfo): Promise<void> {
    this.activity.bump();
    const gate = this.gate;
    if (gate === undefined) return;
    if (this.gateSkip > 0) {
      this.gateSkip--;
      return;
    }
    this.gate = undefined;
    // A held statement is the spec's doing, not work in progress (on PostgreSQL it is pending).
    this.held++;
    try {
      await gate.promise;
    } finally {
      this.held--;
    }
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

  /**
   * Lets `call` run while another instance's statement is held: to its end, or until it waits
   * for a lock the held call has. On SQLite a lock wait is quiet. On PostgreSQL it happens in the
   * server, where nothing here sees it, so the call gets at most LOCK_WAIT_MS of real time; one
   * that needs longer overlaps the rest of the held call, a history as valid as any other.
   */
  async runBeside(call: Promise<unknown>): Promise<void> {
    if (this.root.dialect === 'postgres') await Promise.race([call, realDelay(LOCK_WAIT_MS)]);
    else await this.quiesce();
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

/** Code points below the surrogates; the rest of the binary unit's choices are above them. */
const BELOW_SURROGATES = 0xd800;
const SURROGATES = 0xe000 - 0xd800;

/**
 * fast-check's `unit: 'binary'`, every code point but the surrogates, as that unit builds it (index
 * n is code point n below the surrogates, n + 2048 from there), so the same seed draws the same
 * payloads and shrinks them the same way. Only the way back from a character to its index differs:
 * the built-in unit maps all 1.1 million characters to their indexes the first time it is asked
 * (fc.string asks at once, for its dangerous-string slices), about 0.5 s of every run's CPU; this
 * one computes it.
 */
const binaryUnit: fc.Arbitrary<string> = fc.nat({ max: 0x10ffff - SURROGATES }).map(
  (index) => String.fromCodePoint(index < BELOW_SURROGATES ? index : index + SURROGATES),
  (value) => {
    if (typeof value !== 'string' || value.length === 0 || value.length > 2) throw new TypeError('not one code point');
    const codePoint = value.codePointAt(0)!;
    if (String.fromCodePoint(codePoint) !== value) throw new TypeError('not one code point');
    if (codePoint >= BELOW_SURROGATES && codePoint < BELOW_SURROGATES + SURROGATES) throw new TypeError('a surrogate');
    return codePoint < BELOW_SURROGATES ? codePoint : codePoint - SURROGATES;
  },
);

export const payloadArb = lazyArbitrary(() =>
  fc.oneof(
    fc.constant(''),
    fc.constant('{"to":"a@b.c","template":"otp"}'),
    fc.string({ unit: binaryUnit, maxLength: 6 }),
  ),
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
