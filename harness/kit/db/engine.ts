/**
 * The async database handle over better-sqlite3: a connection for autocommit statements, a pool of
 * connections for transactions (one each, so concurrent transactions meet SQLite's real locks),
 * SQLITE_BUSY answered by waiting on the event loop, and whole-transaction retry.
 */
import type BetterSqlite3 from 'better-sqlite3';
import {
  DatabaseClosedError,
  InjectedFaultError,
  isBusyError,
  TransactionClosedError,
  TransactionControlError,
  TransactionRetryLimitError,
} from './errors.ts';
import { Instrumentation, validateCommonOptions, type FaultEffect } from './instrumentation.ts';
import { createInterleaver, type Interleaver } from './interleaving.ts';
import { openConnection, prepareStatement, setPragma } from './native.ts';
import { acquireWaitQueue, releaseWaitQueue, type LockWaitQueue, type Waiter } from './lock-waits.ts';
import { describeValue } from './rows.ts';
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
  type StatementOutcome,
  type StatementRecorder,
  type Transaction,
  type TransactionInfo,
  type TransactionMode,
  type TransactionOptions,
} from './types.ts';

const DEFAULT_MAX_CONNECTIONS = 16;
const DEFAULT_MAX_ATTEMPTS = 10_000;
const TRANSACTION_CONTROL = /^\s*(?:BEGIN|COMMIT|END|ROLLBACK(?!\s+TO\b))\b/i;

interface Connection {
  readonly id: number;
  readonly raw: BetterSqlite3.Database;
  readonly statements: Map<string, BetterSqlite3.Statement>;
}

/** One run of a transaction body on one connection. */
interface Attempt {
  readonly connection: Connection;
  readonly info: TransactionInfo;
  /** False once the body settled: later statements are a bug in the caller. */
  open: boolean;
  /** Set when a statement hit SQLITE_BUSY: the attempt was rolled back and will be rerun. */
  doomed: { readonly error: unknown; readonly waiter: Waiter } | undefined;
  /** Set when a statement inside the body ended the transaction itself. */
  broken: Error | undefined;
  /** The attempt holds an open SQLite transaction and is counted by the wait queue. */
  entered: boolean;
}

type Executed = { kind: 'run'; value: RunResult } | { kind: 'rows'; value: unknown };

/** A promise that never settles: what a caller of a crashed instance waits on. */
const NEVER = new Promise<never>(() => undefined);

/** Handed to callers queued for a connection when their instance crashes: they wait forever. */
const NEVER_CONNECTION = new Error('the instance crashed');

export function validateOptions(options: DatabaseOptions): void {
  validateCommonOptions(options);
  if (options.synchronous !== undefined && !['off', 'normal', 'full'].includes(options.synchronous)) {
    throw new RangeError(`synchronous must be 'off', 'normal' or 'full', received ${String(options.synchronous)}`);
  }
}

export class Engine {
  readonly db: Database;
  private readonly interleaver: Interleaver;
  private readonly queue: LockWaitQueue;
  private readonly maxConnections: number;
  private readonly maxAttempts: number;
  private readonly synchronous: string;
  private readonly instrumentation: Instrumentation;
  private readonly autocommit: Connection;
  private readonly idle: Connection[] = [];
  private readonly connectionWaiters: Array<(connection: Connection | Error) => void> = [];
  private poolSize = 0;
  private nextConnectionId = 0;
  private nextTransactionId = 0;
  private closed = false;
  private crashed = false;
  /** Attempts that hold a connection, so a crash can roll back what they left open. */
  private readonly attempts = new Set<Attempt>();
  /** Every pooled connection ever opened and not yet closed, idle or not. */
  private readonly pooled = new Set<Connection>();
  private readonly counters = {
    statements: 0,
    committed: 0,
    rolledBack: 0,
    retried: 0,
    busy: 0,
    connectionsOpened: 0,
  };

  constructor(
    readonly file: string,
    options: DatabaseOptions,
    create: boolean,
  ) {
    validateOptions(options);
    this.interleaver = createInterleaver(options.seed ?? 0, options.maxYields ?? 0);
    this.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.synchronous = (options.synchronous ?? 'off').toUpperCase();
    this.instrumentation = new Instrumentation(options.hooks, (statement) => new InjectedFaultError(statement.sql));
    this.autocommit = this.openConnection(create);
    if (create) setPragma(this.autocommit.raw, 'journal_mode = WAL');
    this.queue = acquireWaitQueue(file);
    this.db = this.createDatabaseHandle();
  }

  setHooks(hooks: StatementHooks | undefined): void {
    this.instrumentation.setHooks(hooks);
  }

  stats(): DatabaseStats {
    return { ...this.counters };
  }

  injectFault(options: FaultOptions = {}): InjectedFault {
    return this.instrumentation.injectFault(options);
  }

  record(): StatementRecorder {
    return this.instrumentation.record();
  }

  /**
   * This app instance dies now, as a process would: every transaction it holds open rolls back (as
   * SQLite does when a connection drops), and every call it has in flight or makes later waits
   * forever. Other handles on the same file carry on.
   */
  crash(): void {
    if (this.crashed || this.closed) return;
    this.crashed = true;
    for (const attempt of this.attempts) {
      attempt.open = false;
      if (attempt.connection.raw.inTransaction) attempt.connection.raw.exec('ROLLBACK');
      if (attempt.entered) {
        attempt.entered = false;
        this.counters.rolledBack++;
        this.queue.leave(true);
      }
    }
    this.attempts.clear();
    for (const waiter of this.connectionWaiters.splice(0)) waiter(NEVER_CONNECTION);
  }

  get isCrashed(): boolean {
    return this.crashed;
  }

  /** Where a crashed instance's calls end: they never settle, and a turn they held passes on. */
  private halt(waiter?: Waiter): Promise<never> {
    if (waiter !== undefined) {
      this.queue.settle(waiter);
      this.queue.passTurn();
    }
    return NEVER;
  }

  /** `discard`: the file is deleted next (createTestDatabase), so its last checkpoint need not reach the disk. */
  async close(options: { readonly discard?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.connectionWaiters.splice(0)) waiter(new DatabaseClosedError(this.file));
    this.idle.splice(0);
    // Connections still held by a crashed instance's calls are closed here too.
    for (const connection of this.pooled) connection.raw.close();
    this.pooled.clear();
    // The last connection checkpoints the WAL into the file as it closes: for a file about to be
    // deleted, without syncing it (ms of a small case's time on a busy disk).
    if (options.discard) {
      try {
        setPragma(this.autocommit.raw, 'synchronous = OFF');
      } catch {
        // Inside a transaction the level cannot change; closing is what matters.
      }
    }
    this.autocommit.raw.close();
    releaseWaitQueue(this.file);
  }

  private createDatabaseHandle(): Database {
    return {
      dialect: 'sqlite',
      run: (sql, ...params) => this.statement('run', sql, params, undefined) as Promise<RunResult>,
      get: (sql, ...params) => this.statement('get', sql, params, undefined) as Promise<never>,
      all: (sql, ...params) => this.statement('all', sql, params, undefined) as Promise<never>,
      exec: (sql) => this.statement('exec', sql, [], undefined) as Promise<void>,
      transaction: (body, options) => this.transaction(body, options),
    };
  }

  private openConnection(create: boolean): Connection {
    const raw = openConnection(this.file, { fileMustExist: !create });
    // The kit waits for locks itself, asynchronously: a busy timeout would block the thread.
    setPragma(raw, 'busy_timeout = 0');
    setPragma(raw, `synchronous = ${this.synchronous}`);
    setPragma(raw, 'foreign_keys = ON');
    this.counters.connectionsOpened++;
    return { id: this.nextConnectionId++, raw, statements: new Map() };
  }

  private prepare(connection: Connection, sql: string): BetterSqlite3.Statement {
    let prepared = connection.statements.get(sql);
    if (prepared === undefined) {
      // Unbounded on purpose: native.ts retains every statement anyway, so evicting one from this
      // cache would free nothing and only prepare it again.
      prepared = prepareStatement(connection.raw, sql);
      connection.statements.set(sql, prepared);
    }
    return prepared;
  }

  private acquireConnection(): Promise<Connection> | Connection {
    if (this.closed) throw new DatabaseClosedError(this.file);
    const idle = this.idle.pop();
    if (idle !== undefined) return idle;
    if (this.poolSize < this.maxConnections) {
      this.poolSize++;
      const connection = this.openConnection(false);
      this.pooled.add(connection);
      return connection;
    }
    return new Promise((resolve, reject) => {
      this.connectionWaiters.push((connection) =>
        connection instanceof Error ? reject(connection) : resolve(connection),
      );
    });
  }

  private releaseConnection(connection: Connection): void {
    if (connection.raw.inTransaction) connection.raw.exec('ROLLBACK');
    if (this.closed) {
      if (this.pooled.delete(connection)) connection.raw.close();
      this.poolSize--;
      return;
    }
    const next = this.connectionWaiters.shift();
    if (next !== undefined) next(connection);
    else this.idle.push(connection);
  }

  private async pause(): Promise<void> {
    const pause = this.interleaver.pause();
    if (pause !== undefined) await pause;
  }

  /**
   * Hooks and faults before a statement. A failing fault throws; a crash fault crashes the
   * instance now ('before': the statement never runs) or asks for a crash once it ran ('after').
   */
  private async before(info: StatementInfo): Promise<FaultEffect> {
    const effect = await this.instrumentation.before(info);
    if (effect === 'crash-before') {
      this.crash();
      return undefined;
    }
    return effect;
  }

  private after(info: StatementInfo, outcome: StatementOutcome): void {
    if (outcome.busy) this.counters.busy++;
    this.instrumentation.after(info, outcome);
  }

  private ensureOpen(attempt: Attempt | undefined): void {
    if (this.closed) throw new DatabaseClosedError(this.file);
    if (attempt === undefined) return;
    if (attempt.broken) throw attempt.broken;
    if (attempt.doomed) throw attempt.doomed.error;
    if (!attempt.open) {
      throw new TransactionClosedError(
        'this transaction has already ended: a statement ran after its body settled (a missing await?)',
      );
    }
  }

  /** Runs one statement of the code under test, in autocommit mode or inside an attempt. */
  private async statement(
    kind: 'run' | 'get' | 'all' | 'exec',
    sql: string,
    params: readonly SqlParam[],
    attempt: Attempt | undefined,
  ): Promise<unknown> {
    if (typeof sql !== 'string') throw new TypeError(`sql must be a string, received ${describeValue(sql)}`);
    this.ensureOpen(attempt);
    if (kind !== 'exec' && TRANSACTION_CONTROL.test(sql)) {
      throw new TransactionControlError(sql, attempt ? 'inside a transaction body' : 'as a statement');
    }
    await this.pause();
    if (this.crashed) return this.halt();
    let waiter: Waiter | undefined;
    try {
      for (;;) {
        if (this.crashed) return this.halt();
        this.ensureOpen(attempt);
        const connection = attempt?.connection ?? this.autocommit;
        const prepared = kind === 'exec' ? undefined : this.prepare(connection, sql);
        const info: StatementInfo = {
          kind,
          sql,
          params,
          readonly: prepared?.readonly ?? false,
          transaction: attempt?.info,
          connectionId: connection.id,
        };
        const effect = await this.before(info);
        if (this.crashed) return this.halt();
        this.ensureOpen(attempt);
        const wasInTransaction = connection.raw.inTransaction;
        let executed: Executed | undefined;
        let failure: unknown;
        try {
          executed = execute(kind, connection, prepared, sql, params);
        } catch (error) {
          failure = error;
        }
        const busy = failure !== undefined && isBusyError(failure);
        if (failure === undefined && connection.raw.inTransaction !== wasInTransaction) {
          failure = this.transactionControlled(connection, attempt, sql);
        }
        this.after(info, failure === undefined ? { ok: true, busy: false } : { ok: false, busy, error: failure });
        if (busy && attempt !== undefined) {
          this.doom(attempt, failure);
          throw failure;
        }
        if (busy) {
          if (waiter !== undefined) this.queue.settle(waiter);
          waiter = this.queue.enqueue();
          await waiter.turn;
          continue;
        }
        if (failure !== undefined) throw failure;
        this.counters.statements++;
        if (effect === 'crash-after') {
          this.crash();
          return this.halt();
        }
        return executed?.value;
      }
    } finally {
      // A statement that waited for its turn hands the turn on, whether it succeeded or not.
      if (waiter !== undefined) {
        this.queue.settle(waiter);
        this.queue.passTurn();
      }
    }
  }

  /** A statement began or ended a transaction behind the kit's back: undo what can be undone. */
  private transactionControlled(connection: Connection, attempt: Attempt | undefined, sql: string): Error {
    if (attempt === undefined) {
      connection.raw.exec('ROLLBACK');
      return new TransactionControlError(sql, 'as a statement');
    }
    const error = new TransactionControlError(sql, 'inside a transaction body');
    attempt.broken = error;
    return error;
  }

  /** SQLITE_BUSY inside a transaction: roll back now, queue for the lock, rerun the body later. */
  private doom(attempt: Attempt, error: unknown): void {
    if (attempt.doomed) return;
    this.rollback(attempt);
    attempt.doomed = { error, waiter: this.queue.enqueue() };
  }

  private rollback(attempt: Attempt, passTurn = false): void {
    const { connection } = attempt;
    if (connection.raw.inTransaction) {
      const info = this.kitStatement('rollback', 'ROLLBACK', attempt);
      connection.raw.exec('ROLLBACK');
      this.after(info, { ok: true, busy: false });
    }
    if (attempt.entered) {
      attempt.entered = false;
      this.counters.rolledBack++;
      this.queue.leave(passTurn);
    }
  }

  private kitStatement(kind: StatementKind, sql: string, attempt: Attempt): StatementInfo {
    return {
      kind,
      sql,
      params: [],
      readonly: kind !== 'commit',
      transaction: attempt.info,
      connectionId: attempt.connection.id,
    };
  }

  private async transaction<T>(body: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    if (typeof body !== 'function') {
      throw new TypeError(`transaction(body): body must be a function, received ${describeValue(body)}`);
    }
    const mode: TransactionMode = options?.mode ?? 'deferred';
    if (mode !== 'deferred' && mode !== 'immediate') {
      throw new RangeError(`transaction mode must be 'deferred' or 'immediate', received ${describeValue(mode)}`);
    }
    // SQLite transactions are always serializable: any requested level is met.
    const isolation: IsolationLevel | undefined = options?.isolation;
    if (isolation !== undefined && !ISOLATION_LEVELS.includes(isolation)) {
      throw new RangeError(
        `isolation must be one of ${ISOLATION_LEVELS.map((level) => `'${level}'`).join(', ')}, received ${describeValue(isolation)}`,
      );
    }
    if (this.closed) throw new DatabaseClosedError(this.file);
    const id = ++this.nextTransactionId;
    let waiter: Waiter | undefined;
    let lastBusy: unknown;
    for (let attemptNumber = 1; ; attemptNumber++) {
      if (attemptNumber > this.maxAttempts) {
        if (waiter !== undefined) this.queue.settle(waiter);
        throw new TransactionRetryLimitError(this.maxAttempts, { cause: lastBusy });
      }
      if (attemptNumber > 1) this.counters.retried++;
      let connection: Connection;
      try {
        connection = await this.acquireConnection();
      } catch (error) {
        if (error === NEVER_CONNECTION || this.crashed) return this.halt(waiter);
        if (waiter !== undefined) this.queue.settle(waiter);
        throw error;
      }
      const attempt: Attempt = {
        connection,
        info: { id, mode, attempt: attemptNumber, isolation: 'serializable' },
        open: true,
        doomed: undefined,
        broken: undefined,
        entered: false,
      };
      // A crash rolls back what this attempt holds open.
      this.attempts.add(attempt);
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        this.releaseConnection(connection);
      };
      try {
        await this.begin(attempt, waiter);
        waiter = undefined;
        const settled = await settle(() => body(this.transactionHandle(attempt)));
        if (this.crashed) return this.halt();
        attempt.open = false;
        if (attempt.doomed) {
          lastBusy = attempt.doomed.error;
          waiter = attempt.doomed.waiter;
          release();
          await waiter.turn;
          continue;
        }
        if (attempt.broken || !settled.ok) {
          this.rollback(attempt, true);
          throw attempt.broken ?? (settled as { error: unknown }).error;
        }
        const committed = await this.commit(attempt);
        if (!committed.ok) {
          lastBusy = committed.error;
          waiter = committed.waiter;
          release();
          await waiter.turn;
          continue;
        }
        return settled.value;
      } finally {
        this.attempts.delete(attempt);
        attempt.open = false;
        if (attempt.entered) this.rollback(attempt, true);
        release();
      }
    }
  }

  /**
   * BEGIN, waiting for the write lock asynchronously when an immediate transaction finds it taken.
   * Settles `waiter` (the turn that led here) whatever happens.
   */
  private async begin(attempt: Attempt, waiter: Waiter | undefined): Promise<void> {
    const sql = attempt.info.mode === 'immediate' ? 'BEGIN IMMEDIATE' : 'BEGIN';
    try {
      await this.pause();
      for (;;) {
        if (this.crashed) await this.halt(waiter);
        if (this.closed) throw new DatabaseClosedError(this.file);
        const info = this.kitStatement('begin', sql, attempt);
        const effect = await this.before(info);
        if (this.crashed) await this.halt(waiter);
        let failure: unknown;
        try {
          attempt.connection.raw.exec(sql);
        } catch (error) {
          failure = error;
        }
        const busy = failure !== undefined && isBusyError(failure);
        if (failure === undefined) {
          attempt.entered = true;
          this.queue.enter();
        }
        this.after(info, failure === undefined ? { ok: true, busy: false } : { ok: false, busy, error: failure });
        if (waiter !== undefined) this.queue.settle(waiter);
        waiter = undefined;
        if (failure === undefined && effect === 'crash-after') {
          this.crash();
          await this.halt();
        }
        if (failure === undefined) return;
        if (!busy) throw failure;
        waiter = this.queue.enqueue();
        await waiter.turn;
      }
    } finally {
      if (waiter !== undefined) this.queue.settle(waiter);
    }
  }

  private async commit(attempt: Attempt): Promise<{ ok: true } | { ok: false; error: unknown; waiter: Waiter }> {
    await this.pause();
    if (this.crashed) return this.halt();
    if (this.closed) throw new DatabaseClosedError(this.file);
    const info = this.kitStatement('commit', 'COMMIT', attempt);
    let effect: FaultEffect;
    try {
      effect = await this.before(info);
    } catch (error) {
      this.rollback(attempt, true);
      throw error;
    }
    if (this.crashed) return this.halt();
    let failure: unknown;
    try {
      attempt.connection.raw.exec('COMMIT');
    } catch (error) {
      failure = error;
    }
    const busy = failure !== undefined && isBusyError(failure);
    this.after(info, failure === undefined ? { ok: true, busy: false } : { ok: false, busy, error: failure });
    if (failure === undefined) {
      attempt.entered = false;
      this.counters.committed++;
      this.queue.leave(true);
      if (effect === 'crash-after') {
        // The COMMIT committed; the instance dies before anyone hears.
        this.crash();
        return this.halt();
      }
      return { ok: true };
    }
    if (!busy) {
      this.rollback(attempt, true);
      throw failure;
    }
    this.rollback(attempt, false);
    return { ok: false, error: failure, waiter: this.queue.enqueue() };
  }

  /** The handle a body receives: the same statements, bound to this attempt's connection. */
  private transactionHandle(attempt: Attempt): Transaction {
    return {
      mode: attempt.info.mode,
      attempt: attempt.info.attempt,
      isolation: 'serializable',
      run: (sql, ...params) => this.statement('run', sql, params, attempt) as Promise<RunResult>,
      get: (sql, ...params) => this.statement('get', sql, params, attempt) as Promise<never>,
      all: (sql, ...params) => this.statement('all', sql, params, attempt) as Promise<never>,
      exec: (sql) => this.statement('exec', sql, [], attempt) as Promise<void>,
    };
  }
}

function execute(
  kind: 'run' | 'get' | 'all' | 'exec',
  connection: Connection,
  prepared: BetterSqlite3.Statement | undefined,
  sql: string,
  params: readonly SqlParam[],
): Executed {
  if (kind === 'exec' || prepared === undefined) {
    connection.raw.exec(sql);
    return { kind: 'rows', value: undefined };
  }
  const args = params as unknown[];
  switch (kind) {
    case 'run': {
      const result = prepared.run(...args);
      return { kind: 'run', value: { changes: result.changes, lastInsertRowid: result.lastInsertRowid } };
    }
    case 'get':
      return { kind: 'rows', value: prepared.get(...args) };
    case 'all':
      return { kind: 'rows', value: prepared.all(...args) };
  }
}

async function settle<T>(body: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await body() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Kept for importers of the old name. */
export const describe = describeValue;
