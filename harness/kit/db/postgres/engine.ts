/**
 * The async database handle over PostgreSQL (pg): autocommit statements on a pool of connections,
 * a connection per transaction from a second pool (16 each by default), every statement through
 * the database's sequencer (deterministic interleavings, see sequencer.ts), and the same hooks,
 * faults, crashes and recordings as the SQLite engine.
 *
 * Unlike SQLite's SQLITE_BUSY, nothing is retried here: a serialization failure (40001) or a
 * deadlock (40P01) rejects the call with pg's own error, because handling them is the point.
 */
import type pg from 'pg';
import { DatabaseClosedError, InjectedFaultError, TransactionClosedError, TransactionControlError } from '../errors.ts';
import { Instrumentation, validateCommonOptions, type FaultEffect } from '../instrumentation.ts';
import { createRandom } from '../interleaving.ts';
import { describeValue } from '../rows.ts';
import {
  ISOLATION_LEVELS,
  type Database,
  type DatabaseOptions,
  type DatabaseStats,
  type FaultOptions,
  type InjectedFault,
  type IsolationLevel,
  type RunResult,
  type SqlParam,
  type StatementHooks,
  type StatementInfo,
  type StatementKind,
  type StatementRecorder,
  type Transaction,
  type TransactionInfo,
  type TransactionOptions,
} from '../types.ts';
import { extendedQuery, PgConnection } from './connection.ts';
import type { SharedDatabase } from './shared.ts';
import type { Entry, Flight, Owner, Scheduler } from './sequencer.ts';
import { FreeScheduler } from './sequencer.ts';
import { checkParams, isReadonly, takesLocks, transactionControl } from './sql.ts';

const DEFAULT_MAX_CONNECTIONS = 16;

/** A promise that never settles: what a caller of a crashed instance waits on. */
const NEVER = new Promise<never>(() => undefined);

type UserKind = 'run' | 'get' | 'all' | 'exec';
type Outcome = { ok: true; value: pg.QueryResult } | { ok: false; error: unknown };

interface Attempt {
  connection: PgConnection | undefined;
  readonly info: TransactionInfo;
  /** False once the body settled: later statements are a bug in the caller. */
  open: boolean;
  /** Set when a statement inside the body ended the transaction itself. */
  broken: Error | undefined;
  /** The error that left the transaction aborted (SQLSTATE 25P02 for everything after it). */
  aborted: unknown;
  /** BEGIN succeeded and neither COMMIT nor ROLLBACK has yet. */
  entered: boolean;
  /** A write or locking read of this transaction completed: it may hold row locks. */
  holdsLocks: boolean;
}

class Pool {
  readonly idle: PgConnection[] = [];
  readonly all = new Set<PgConnection>();
  private opening = 0;

  constructor(
    private readonly max: number,
    private readonly open: () => Promise<PgConnection>,
    private readonly released: () => void,
  ) {}

  canAcquire(): boolean {
    return this.idle.length > 0 || this.all.size + this.opening < this.max;
  }

  async acquire(): Promise<PgConnection> {
    const idle = this.idle.pop();
    if (idle !== undefined) return idle;
    this.opening++;
    try {
      const connection = await this.open();
      this.all.add(connection);
      return connection;
    } finally {
      this.opening--;
    }
  }

  release(connection: PgConnection): void {
    if (connection.dead) this.all.delete(connection);
    else this.idle.push(connection);
    this.released();
  }

  /** Forgets a connection that must not be reused (it was closed). */
  discard(connection: PgConnection): void {
    this.all.delete(connection);
    this.released();
  }
}

export function validatePostgresOptions(options: DatabaseOptions): void {
  validateCommonOptions(options);
  if (options.deterministic !== undefined && typeof options.deterministic !== 'boolean') {
    throw new RangeError(`deterministic must be true or false, received ${String(options.deterministic)}`);
  }
}

export class PgEngine implements Owner {
  readonly db: Database;
  private readonly instrumentation: Instrumentation;
  private readonly random: () => number;
  private readonly maxYields: number;
  private readonly scheduler: Scheduler;
  private readonly autocommit: Pool;
  private readonly transactions: Pool;
  private readonly attempts = new Set<Attempt>();
  private nextConnectionId = 0;
  private nextTransactionId = 0;
  private closed = false;
  private isCrashed = false;
  private readonly counters = {
    statements: 0,
    committed: 0,
    rolledBack: 0,
    retried: 0,
    busy: 0,
    connectionsOpened: 0,
  };

  constructor(
    readonly url: string,
    private readonly shared: SharedDatabase,
    options: DatabaseOptions,
  ) {
    validatePostgresOptions(options);
    this.instrumentation = new Instrumentation(
      options.hooks,
      (statement) => new InjectedFaultError(statement.sql, '58030'),
    );
    this.random = createRandom(options.seed ?? 0);
    this.maxYields = options.maxYields ?? 0;
    this.scheduler = options.deterministic === false ? new FreeScheduler() : shared.sequencer;
    const max = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    const kick = (): void => this.scheduler.kick();
    this.autocommit = new Pool(max, () => this.openConnection(), kick);
    this.transactions = new Pool(max, () => this.openConnection(), kick);
    this.db = {
      dialect: 'postgres',
      run: (sql, ...params) => this.statement('run', sql, params, undefined) as Promise<RunResult>,
      get: (sql, ...params) => this.statement('get', sql, params, undefined) as Promise<never>,
      all: (sql, ...params) => this.statement('all', sql, params, undefined) as Promise<never>,
      exec: (sql) => this.statement('exec', sql, [], undefined) as Promise<void>,
      transaction: (body, options) => this.transaction(body, options),
    };
  }

  get crashed(): boolean {
    return this.isCrashed;
  }

  setHooks(hooks: StatementHooks | undefined): void {
    this.instrumentation.setHooks(hooks);
  }

  injectFault(options?: FaultOptions): InjectedFault {
    return this.instrumentation.injectFault(options);
  }

  record(): StatementRecorder {
    return this.instrumentation.record();
  }

  stats(): DatabaseStats {
    return { ...this.counters };
  }

  /**
   * This app instance dies now: its backends are terminated (pg_terminate_backend, before anything
   * else of this database is sent), so the server rolls back its open transactions at once; its
   * calls in flight and later never settle. Other handles on the database carry on.
   */
  crash(): void {
    if (this.isCrashed || this.closed) return;
    this.isCrashed = true;
    for (const attempt of this.attempts) {
      attempt.open = false;
      if (attempt.entered) {
        attempt.entered = false;
        this.counters.rolledBack++;
      }
    }
    this.attempts.clear();
    const connections = [...this.autocommit.all, ...this.transactions.all];
    this.scheduler.barrier(async () => {
      await this.shared.terminate(connections.filter((connection) => !connection.dead).map((c) => c.pid));
      for (const connection of connections) connection.dead = true;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.scheduler.kick();
    const connections = [...this.autocommit.all, ...this.transactions.all];
    const busy = connections.filter((connection) => !connection.dead && connection.flight !== undefined);
    if (busy.length > 0) await this.shared.terminate(busy.map((connection) => connection.pid)).catch(() => undefined);
    await Promise.all(connections.map((connection) => connection.close()));
  }

  private async openConnection(): Promise<PgConnection> {
    const connection = await PgConnection.open(this.url, this.nextConnectionId++, this.shared.startupOptions, {
      onChange: () => this.scheduler.changed(),
    });
    this.counters.connectionsOpened++;
    return connection;
  }

  private turns(): number {
    return this.maxYields > 0 ? Math.floor(this.random() * (this.maxYields + 1)) : 0;
  }

  private ensureOpen(attempt: Attempt | undefined): void {
    if (this.closed) throw new DatabaseClosedError(this.url);
    if (attempt === undefined) return;
    if (attempt.broken) throw attempt.broken;
    if (!attempt.open) {
      throw new TransactionClosedError(
        'this transaction has already ended: a statement ran after its body settled (a missing await?)',
      );
    }
  }

  /**
   * Sends one query through the scheduler and hands back a flight whose delivery calls `done`.
   * `connection` is the attempt's, or undefined to take one from `pool` (and give it back after).
   */
  private submit<T>(options: {
    readonly pool: Pool | undefined;
    readonly attempt: Attempt | undefined;
    readonly info: (connection: PgConnection) => StatementInfo;
    /** The query; a kit COMMIT or ROLLBACK also gets the waiters, to read pg_locks right after it. */
    readonly query: pg.QueryConfig | string | ((waiting: readonly number[]) => string);
    /** Hooks and faults before sending (not for ROLLBACK). */
    readonly instrumented: boolean;
    readonly endsTransaction: boolean;
    /** The statement may take locks (a write or locking read). */
    readonly locks: boolean;
    readonly done: (outcome: Outcome, info: StatementInfo, effect: FaultEffect) => T | typeof NEVER;
  }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle = (value: T | typeof NEVER): void => {
        if (value !== NEVER) resolve(value as T);
      };
      const entry: Entry = {
        owner: this,
        turns: this.turns(),
        ready: () => {
          if (this.closed || this.isCrashed) return true;
          if (options.pool !== undefined) return options.pool.canAcquire();
          return options.attempt?.connection?.flight === undefined;
        },
        mayQueue: () => options.locks && !(options.attempt?.holdsLocks ?? false),
        fail: reject,
        start: async (order, waiting) => {
          if (this.isCrashed) return undefined;
          let connection: PgConnection;
          try {
            if (this.closed) throw new DatabaseClosedError(this.url);
            if (options.pool !== undefined) connection = await options.pool.acquire();
            else connection = options.attempt!.connection!;
          } catch (error) {
            reject(error);
            return undefined;
          }
          const giveBack = (): void => {
            // BEGIN keeps its connection for the transaction; an autocommit statement gives it back.
            if (options.pool === undefined || options.attempt !== undefined) return;
            if (connection.dead || connection.transactionStatus === 'I' || connection.transactionStatus === null) {
              options.pool.release(connection);
            } else {
              // A script left a transaction open behind the kit's back: never reuse the connection.
              options.pool.discard(connection);
              void connection.close();
            }
          };
          const info = options.info(connection);
          let effect: FaultEffect;
          if (options.instrumented) {
            try {
              effect = await this.instrumentation.before(info);
            } catch (error) {
              giveBack();
              reject(error);
              return undefined;
            }
            if (effect === 'crash-before') this.crash();
          }
          if (this.isCrashed) return undefined;
          if (this.closed) {
            giveBack();
            reject(new DatabaseClosedError(this.url));
            return undefined;
          }
          let outcome: Outcome | undefined;
          connection.lockWait = 'none';
          const waitingPids = [...waiting.keys()].map((flight) => flight.connection.pid);
          const query = typeof options.query === 'function' ? options.query(waitingPids) : options.query;
          const piggyback = typeof options.query === 'function' && waitingPids.length > 0;
          const flight: Flight = {
            connection,
            owner: this,
            order,
            readyAtSend: connection.readyCount,
            noticesAtSend: connection.lockNotices,
            answered: false,
            endsTransaction: () =>
              options.endsTransaction ||
              options.attempt === undefined ||
              typeof query === 'string' ||
              (outcome !== undefined && !outcome.ok) ||
              /\bROLLBACK\s+TO\b|\bRELEASE\b|unlock/i.test(query.text),
            deliver: () => {
              connection.flight = undefined;
              giveBack();
              try {
                settle(options.done(outcome!, info, effect));
              } catch (error) {
                reject(error);
              }
            },
            fail: (error) => {
              connection.flight = undefined;
              reject(error);
            },
          };
          if (piggyback) flight.afterwards = { waiting };
          connection.flight = flight;
          connection
            .query(query)
            .then(
              (value) => {
                if (Array.isArray(value)) {
                  // "COMMIT; SELECT pid FROM pg_locks ...": the statement's result, then the read.
                  const [own, locks] = value as pg.QueryResult[];
                  if (flight.afterwards !== undefined && locks !== undefined) {
                    flight.afterwards.ungranted = new Set(locks.rows.map((row: { pid: number }) => row.pid));
                  }
                  outcome = { ok: true, value: own! };
                } else outcome = { ok: true, value };
              },
              (error: unknown) => {
                outcome = { ok: false, error };
              },
            )
            .finally(() => {
              flight.answered = true;
              this.scheduler.changed();
            });
          return flight;
        },
      };
      this.scheduler.submit(entry);
    });
  }

  /** Runs one statement of the code under test, in autocommit mode or inside an attempt. */
  private async statement(kind: UserKind, sql: string, params: readonly SqlParam[], attempt: Attempt | undefined) {
    if (typeof sql !== 'string') throw new TypeError(`sql must be a string, received ${describeValue(sql)}`);
    this.ensureOpen(attempt);
    const control = transactionControl(sql);
    if (control !== undefined) {
      throw new TransactionControlError(control, attempt ? 'inside a transaction body' : 'as a statement');
    }
    const values = checkParams(params);
    if (this.isCrashed) return NEVER;
    await this.shared.ready;
    if (this.isCrashed) return NEVER;
    this.ensureOpen(attempt);
    const query: pg.QueryConfig | string = kind === 'exec' ? sql : extendedQuery(sql, values);
    return this.submit({
      pool: attempt === undefined ? this.autocommit : undefined,
      attempt,
      instrumented: true,
      endsTransaction: false,
      locks: takesLocks(kind, sql),
      query,
      info: (connection) => ({
        kind,
        sql,
        params,
        readonly: isReadonly(kind, sql),
        transaction: attempt?.info,
        connectionId: connection.id,
      }),
      done: (outcome, info, effect) => {
        let failure: unknown = outcome.ok ? undefined : outcome.error;
        const connection = attempt?.connection;
        if (failure === undefined && connection !== undefined && connection.transactionStatus === 'I') {
          // Belt and braces: a script ended the transaction (the text check missed it).
          failure = new TransactionControlError(sql, 'inside a transaction body');
          attempt!.broken = failure as Error;
          attempt!.entered = false;
        }
        if (attempt !== undefined && failure !== undefined && connection?.transactionStatus === 'E') {
          attempt.aborted ??= failure;
        }
        this.instrumentation.after(
          info,
          failure === undefined ? { ok: true, busy: false } : { ok: false, busy: false, error: failure },
        );
        if (failure !== undefined) throw failure;
        if (attempt !== undefined && takesLocks(kind, sql)) attempt.holdsLocks = true;
        this.counters.statements++;
        if (effect === 'crash-after') {
          this.crash();
          return NEVER;
        }
        return shape(kind, (outcome as { value: pg.QueryResult }).value);
      },
    });
  }

  /** BEGIN, COMMIT or ROLLBACK of an attempt, through the scheduler like any statement. */
  private control(kind: 'begin' | 'commit' | 'rollback', sql: string, attempt: Attempt): Promise<pg.QueryResult> {
    return this.submit({
      pool: kind === 'begin' ? this.transactions : undefined,
      attempt,
      instrumented: kind !== 'rollback',
      endsTransaction: kind !== 'begin',
      locks: false,
      query:
        kind === 'begin'
          ? sql
          : (waiting) =>
              waiting.length === 0
                ? sql
                : `${sql}; SELECT DISTINCT pid FROM pg_locks WHERE NOT granted AND pid IN (${waiting.map((pid) => String(Math.trunc(pid))).join(', ')})`,
      info: (connection) => {
        if (kind === 'begin') attempt.connection = connection;
        return {
          kind,
          sql,
          params: [],
          readonly: kind !== 'commit',
          transaction: attempt.info,
          connectionId: connection.id,
        };
      },
      done: (outcome, info, effect) => {
        let failure: unknown = outcome.ok ? undefined : outcome.error;
        if (failure === undefined && kind === 'commit' && outcome.ok && outcome.value.command === 'ROLLBACK') {
          // COMMIT of an aborted transaction rolls back without an error: the body swallowed one.
          failure = attempt.aborted ?? new Error('the transaction was aborted and rolled back at COMMIT');
        }
        if (kind === 'begin' && failure === undefined) {
          attempt.entered = true;
          this.attempts.add(attempt);
        }
        if (kind !== 'begin' && attempt.entered) {
          attempt.entered = false;
          this.attempts.delete(attempt);
          if (kind === 'commit' && failure === undefined) this.counters.committed++;
          else this.counters.rolledBack++;
        }
        this.instrumentation.after(
          info,
          failure === undefined ? { ok: true, busy: false } : { ok: false, busy: false, error: failure },
        );
        if (failure !== undefined) throw failure;
        if (effect === 'crash-after') {
          this.crash();
          return NEVER;
        }
        return (outcome as { value: pg.QueryResult }).value;
      },
    });
  }

  private async transaction<T>(body: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    if (typeof body !== 'function') {
      throw new TypeError(`transaction(body): body must be a function, received ${describeValue(body)}`);
    }
    if (options?.mode !== undefined) {
      throw new RangeError(
        `transaction mode ${describeValue(options.mode)} is SQLite's (it takes SQLite's write lock at BEGIN). ` +
          "On PostgreSQL choose { isolation: 'read committed' | 'repeatable read' | 'serializable' } or lock rows (SELECT ... FOR UPDATE)",
      );
    }
    const isolation: IsolationLevel = options?.isolation ?? 'read committed';
    if (!ISOLATION_LEVELS.includes(isolation)) {
      throw new RangeError(
        `isolation must be one of ${ISOLATION_LEVELS.map((level) => `'${level}'`).join(', ')}, received ${describeValue(isolation)}`,
      );
    }
    if (this.closed) throw new DatabaseClosedError(this.url);
    if (this.isCrashed) return NEVER;
    await this.shared.ready;
    const attempt: Attempt = {
      connection: undefined,
      info: { id: ++this.nextTransactionId, mode: 'deferred', attempt: 1, isolation },
      open: true,
      broken: undefined,
      aborted: undefined,
      entered: false,
      holdsLocks: false,
    };
    let released = false;
    const release = (): void => {
      if (released || attempt.connection === undefined) return;
      released = true;
      this.transactions.release(attempt.connection);
    };
    try {
      await this.control('begin', `BEGIN ISOLATION LEVEL ${isolation.toUpperCase()}`, attempt);
    } catch (error) {
      release();
      throw error;
    }
    let settled: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      settled = { ok: true, value: await body(this.transactionHandle(attempt, isolation)) };
    } catch (error) {
      settled = { ok: false, error };
    }
    attempt.open = false;
    if (this.isCrashed) return NEVER;
    try {
      if (attempt.broken || !settled.ok || attempt.aborted !== undefined) {
        if (attempt.entered) await this.control('rollback', 'ROLLBACK', attempt).catch(() => undefined);
        throw attempt.broken ?? (settled.ok ? attempt.aborted : settled.error);
      }
      try {
        await this.control('commit', 'COMMIT', attempt);
      } catch (error) {
        // A fault before COMMIT: roll back, as SQLite's engine does. A failed COMMIT already ended it.
        if (attempt.entered && attempt.connection?.transactionStatus !== 'I') {
          await this.control('rollback', 'ROLLBACK', attempt).catch(() => undefined);
        }
        attempt.entered = false;
        throw error;
      }
      return settled.value;
    } finally {
      if (!this.isCrashed) release();
    }
  }

  /** The handle a body receives: the same statements, on this attempt's connection. */
  private transactionHandle(attempt: Attempt, isolation: IsolationLevel): Transaction {
    return {
      mode: 'deferred',
      attempt: 1,
      isolation,
      run: (sql, ...params) => this.statement('run', sql, params, attempt) as Promise<RunResult>,
      get: (sql, ...params) => this.statement('get', sql, params, attempt) as Promise<never>,
      all: (sql, ...params) => this.statement('all', sql, params, attempt) as Promise<never>,
      exec: (sql) => this.statement('exec', sql, [], attempt) as Promise<void>,
    };
  }
}

const CHANGES = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COPY']);

function shape(kind: UserKind, result: pg.QueryResult): unknown {
  switch (kind) {
    case 'run':
      return { changes: CHANGES.has(result.command) ? (result.rowCount ?? 0) : 0, lastInsertRowid: 0 };
    case 'get':
      return result.rows[0];
    case 'all':
      return result.rows;
    case 'exec':
      return undefined;
  }
}

export type { StatementKind };
