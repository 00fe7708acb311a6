/**
 * The real side of the checks: one database file, app instances on it (each its own `db` handle
 * and its own handler object), one manual clock for all of them, one subscription service, and
 * a record of which database transactions are open (the service must never be called inside one).
 * Also the helpers that run a call to its end while moving the manual clock for its sleeps.
 */
import { setImmediate } from 'node:timers';
import { createManualClock, type ManualClock } from '../../harness/kit/index.ts';
import {
  createTestDatabase,
  openTestDatabase,
  type DatabaseOptions,
  type StatementHooks,
  type TestDatabase,
} from '../../harness/kit/db/index.ts';
import { FakeSubscriptionService } from './service.ts';
import type * as Kata from './index.ts';

type Impl = typeof Kata;

export type HandlerOptions = Partial<Omit<Kata.PaymentWebhookOptions, 'db' | 'subscriptions' | 'clock'>>;

export interface Instance {
  readonly database: TestDatabase;
  readonly handler: Kata.PaymentWebhookHandler;
}

export interface WorldOptions {
  readonly handler: HandlerOptions;
  readonly database?: DatabaseOptions;
  /** How many app instances to start. Default 1. */
  readonly instances?: number;
  readonly startMs?: number;
}

export class World {
  readonly clock: ManualClock;
  readonly service: FakeSubscriptionService;
  readonly instances: Instance[] = [];
  private readonly openTransactions = new Map<TestDatabase, Set<number>>();
  private readonly databases: TestDatabase[] = [];
  /**
   * Owns the file and reads it for the checks; never handed to a handler. Every instance opens
   * the file itself, so a crashed instance's handle can be closed (see crash) without losing it.
   */
  private readonly keeper: TestDatabase;

  private constructor(
    private readonly impl: Impl,
    private readonly options: WorldOptions,
  ) {
    this.clock = createManualClock(options.startMs === undefined ? {} : { startMs: options.startMs });
    this.service = new FakeSubscriptionService(
      () => this.clock.now(),
      () => this.transactionOpen(),
    );
    this.keeper = createTestDatabase();
    patienceMs = PATIENCE_MS[this.keeper.dialect];
  }

  /** Creates the file and the instances; rejects (and cleans up) if the first handler does. */
  static async create(impl: Impl, options: WorldOptions): Promise<World> {
    const world = new World(impl, options);
    try {
      for (let index = 0; index < (options.instances ?? 1); index++) world.instances.push(await world.start());
      return world;
    } catch (error) {
      await world.close();
      throw error;
    }
  }

  get file(): string {
    return this.keeper.file;
  }

  /** Every table's rows, as committed. */
  dump(): ReturnType<TestDatabase['dump']> {
    return this.keeper.dump();
  }

  /** A new app instance over the same file (a restart, or one more server). */
  async start(): Promise<Instance> {
    const seed = (this.options.database?.seed ?? 0) + this.databases.length;
    let database: TestDatabase | undefined;
    const hooks: StatementHooks = {
      afterStatement: (info, outcome) => {
        if (info.transaction === undefined || database === undefined) return;
        const open = this.openTransactions.get(database) ?? new Set<number>();
        this.openTransactions.set(database, open);
        if (info.kind === 'begin' && outcome.ok) open.add(info.transaction.id);
        if ((info.kind === 'commit' && outcome.ok) || info.kind === 'rollback') open.delete(info.transaction.id);
      },
    };
    database = openTestDatabase(this.keeper.file, { ...this.options.database, seed, hooks });
    this.databases.push(database);
    const handler = await this.impl.createPaymentWebhookHandler({
      db: database.db,
      subscriptions: this.service,
      clock: this.clock,
      ...this.options.handler,
    } as Kata.PaymentWebhookOptions);
    return { database, handler };
  }

  /** Finishes off an instance (a crashed one, or one being restarted): its connections close. */
  async bury(instance: Instance): Promise<void> {
    if (!instance.database.crashed) instance.database.crash();
    this.openTransactions.delete(instance.database);
    await instance.database.close();
  }

  /** Replaces instance `index` by a fresh one over the same file (its old one crashed or stopped). */
  async restart(index: number): Promise<void> {
    await this.bury(this.instances[index]!);
    this.instances[index] = await this.start();
  }

  /** An instance that has not crashed, preferring `index`. */
  alive(index: number): Instance {
    const preferred = this.instances[index % this.instances.length]!;
    if (!preferred.database.crashed) return preferred;
    return this.instances.find((instance) => !instance.database.crashed) ?? preferred;
  }

  private transactionOpen(): boolean {
    for (const [database, open] of this.openTransactions) if (!database.crashed && open.size > 0) return true;
    return false;
  }

  async close(): Promise<void> {
    for (const database of this.databases) await database.close();
    await this.keeper.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Running calls to their end on a manual clock

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * How long, in wall time, `until` goes on waiting once its turns are spent. On SQLite a statement
 * is answered within a few turns of the event loop, so turns alone bound the wait (0 here). On
 * PostgreSQL every statement is a network round trip through the kit's sequencer, and 20 000 turns
 * (0.1 to 0.2 s on a loaded machine) can pass before a correct handler's few statements are
 * answered: the wait must then be measured in time. Set by each World from its database's dialect.
 */
const PATIENCE_MS: Readonly<Record<TestDatabase['dialect'], number>> = { sqlite: 0, postgres: 5_000 };
let patienceMs = 0;

/**
 * Lets the event loop run until `done()` holds, without moving the clock: at least `turns` turns,
 * and on PostgreSQL at least PATIENCE_MS.postgres of wall time.
 */
export async function until(done: () => boolean, turns = 20_000): Promise<boolean> {
  const deadline = Date.now() + patienceMs;
  for (let turn = 0; (turn < turns || Date.now() < deadline) && !done(); turn++) await nextTurn();
  return done();
}

export type Settled<T> =
  | { readonly state: 'fulfilled'; readonly value: T }
  | { readonly state: 'rejected'; readonly error: unknown }
  | { readonly state: 'pending' };

export function track<T>(promise: Promise<T>): { readonly current: () => Settled<T> } {
  let settled: Settled<T> = { state: 'pending' };
  promise.then(
    (value) => (settled = { state: 'fulfilled', value }),
    (error: unknown) => (settled = { state: 'rejected', error }),
  );
  return { current: () => settled };
}

/**
 * Runs a call to the end, moving the manual clock forward whenever the handler waits on
 * clock.sleep (at most `maxWaits` times). Stops early, still pending, when `stuck()` says the call
 * can never finish (it waits on a subscription call that never answers, or its instance crashed).
 */
export async function runWithClock<T>(
  call: () => Promise<T>,
  clock: ManualClock,
  { maxWaits = 60, stuck = () => false }: { readonly maxWaits?: number; readonly stuck?: () => boolean } = {},
): Promise<Settled<T>> {
  let tracked: { readonly current: () => Settled<T> };
  try {
    tracked = track(call());
  } catch (error) {
    return { state: 'rejected', error };
  }
  for (let waits = 0; ; waits++) {
    await until(() => tracked.current().state !== 'pending' || clock.pending > 0 || stuck());
    if (tracked.current().state !== 'pending' || stuck()) {
      // A call that will never finish may still be mid-statement: let it reach its resting point.
      if (tracked.current().state === 'pending') for (let turn = 0; turn < 20; turn++) await nextTurn();
      return tracked.current();
    }
    if (clock.pending === 0 || waits >= maxWaits) return tracked.current();
    await clock.advanceToNext();
  }
}

export async function finished<T>(call: () => Promise<T>, clock: ManualClock, what: string): Promise<T> {
  const settled = await runWithClock(call, clock);
  if (settled.state === 'rejected') throw settled.error;
  if (settled.state === 'pending') {
    throw new Error(
      clock.pending > 0
        ? `${what} never finished: it was still waiting on clock.sleep after 60 waits`
        : `${what} never finished, and is not waiting on clock.sleep`,
    );
  }
  return settled.value;
}
