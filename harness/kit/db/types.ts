/**
 * The public shape of the database kit. Implementations under test see only `Database` (and the
 * `Transaction` it hands to a transaction body); specs own the `TestDatabase` around it. Two
 * engines stand behind the same shapes: SQLite (the default) and PostgreSQL.
 */

/** Which engine a handle talks to; the SQL the code under test writes is that engine's. */
export type Dialect = 'sqlite' | 'postgres';

/**
 * PostgreSQL's isolation levels (default 'read committed'). SQLite transactions are always
 * serializable, so SQLite accepts any of them and gives serializable.
 */
export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export const ISOLATION_LEVELS: readonly IsolationLevel[] = ['read committed', 'repeatable read', 'serializable'];

/**
 * A value both engines can bind. Booleans and Dates are not SQLite values: convert them first.
 * PostgreSQL returns its own types too (booleans, Dates for timestamps, strings for numeric).
 */
export type SqlValue = string | number | bigint | Uint8Array | null;

/** Named parameters, bound to `:name`, `@name` or `$name` placeholders. SQLite only. */
export type NamedParams = Readonly<Record<string, SqlValue>>;

/** Positional values for `?` (SQLite) or `$1, $2, ...` (PostgreSQL), or one object of named parameters (SQLite). */
export type SqlParam = SqlValue | NamedParams;

/** A row as SQLite returns it: column name to value. */
export type Row = Record<string, unknown>;

export interface RunResult {
  /** Rows inserted, updated or deleted by the statement (not counting triggers' own changes). */
  readonly changes: number;
  /** Rowid of the last row inserted on this connection. SQLite only: always 0 on PostgreSQL (use RETURNING). */
  readonly lastInsertRowid: number | bigint;
}

/** What both the database and a transaction can do. Every call is asynchronous, like a network driver. */
export interface Queryable {
  /** Runs one statement and reports how many rows it changed. */
  run(sql: string, ...params: SqlParam[]): Promise<RunResult>;
  /** Runs one statement and returns its first row, or undefined when it returned none. */
  get<R = Row>(sql: string, ...params: SqlParam[]): Promise<R | undefined>;
  /** Runs one statement and returns every row. */
  all<R = Row>(sql: string, ...params: SqlParam[]): Promise<R[]>;
  /** Runs a script of one or more statements without parameters (schema setup). */
  exec(sql: string): Promise<void>;
}

/**
 * `deferred` (SQLite's default): no lock until the first statement; the write lock is taken by the
 * first write. `immediate`: the write lock is taken at BEGIN, so the body runs alone among writers.
 */
export type TransactionMode = 'deferred' | 'immediate';

export interface TransactionOptions {
  /** SQLite only. Default: 'deferred'. PostgreSQL rejects it: choose an isolation level or lock rows. */
  readonly mode?: TransactionMode;
  /** PostgreSQL's isolation level. Default: 'read committed'. SQLite is always serializable. */
  readonly isolation?: IsolationLevel;
}

/** The handle a transaction body receives. Valid only until the body settles. */
export interface Transaction extends Queryable {
  /** SQLite's mode; 'deferred' on PostgreSQL (locks are taken as statements need them). */
  readonly mode: TransactionMode;
  /** 1 on the first run of the body; 2, 3, ... when the kit retries it after SQLITE_BUSY (never on PostgreSQL). */
  readonly attempt: number;
  /** The isolation level the transaction runs at ('serializable' on SQLite). Set by both engines. */
  readonly isolation?: IsolationLevel;
}

/**
 * An asynchronous handle on one database (a SQLite file, or a PostgreSQL database), shaped like a
 * pooled network driver: statements outside a transaction autocommit; each transaction runs on its
 * own connection, so concurrent transactions see the engine's real locking.
 */
export interface Database extends Queryable {
  /**
   * 'sqlite' or 'postgres': which SQL to write. Always set by the kit; optional in the type only so
   * that wrappers written before it existed still compile (a wrapper should pass it on).
   */
  readonly dialect?: Dialect;
  /**
   * Runs `body` inside BEGIN ... COMMIT on a connection of its own. The body may await anything.
   * If the body throws, the transaction rolls back and the error is rethrown. If any statement hits
   * SQLITE_BUSY (another connection holds the write lock, or this transaction's snapshot went stale),
   * the kit rolls back, waits for the lock without blocking the event loop, and runs the whole body
   * again: keep side effects other than database writes out of the body, or make them idempotent.
   * On PostgreSQL the body runs once, at `options.isolation`: serialization failures (40001) and
   * deadlocks (40P01) reject the call with pg's error, for the code under test to handle.
   */
  transaction<T>(body: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
}

/** The kinds of statement the kit reports to hooks, faults and recorders. */
export type StatementKind = 'run' | 'get' | 'all' | 'exec' | 'begin' | 'commit' | 'rollback';

/** Statement kinds that code under test issues itself (the rest are the kit's own). */
export const USER_STATEMENT_KINDS: ReadonlySet<StatementKind> = new Set(['run', 'get', 'all', 'exec']);

export interface TransactionInfo {
  /** Unique per database handle; the same across retries of one `transaction()` call. */
  readonly id: number;
  readonly mode: TransactionMode;
  readonly attempt: number;
  /** The isolation level (PostgreSQL; 'serializable' on SQLite). */
  readonly isolation?: IsolationLevel;
}

/** One statement about to run, as hooks, faults and recorders see it. */
export interface StatementInfo {
  readonly kind: StatementKind;
  readonly sql: string;
  readonly params: readonly SqlParam[];
  /**
   * True when the statement cannot write: SQLite says so; on PostgreSQL it is read from the text (a
   * SELECT, WITH, VALUES, SHOW or EXPLAIN naming no INSERT/UPDATE/DELETE/MERGE). `exec` scripts never are.
   */
  readonly readonly: boolean;
  /** The transaction the statement runs in, or undefined for an autocommit statement. */
  readonly transaction: TransactionInfo | undefined;
  /** Which connection of the pool ran it. */
  readonly connectionId: number;
}

export interface StatementOutcome {
  readonly ok: boolean;
  /** SQLite answered SQLITE_BUSY (or a BUSY_* extended code); the kit will wait and retry. Never on PostgreSQL. */
  readonly busy: boolean;
  readonly error?: unknown;
}

export interface StatementHooks {
  /**
   * Runs before each statement, after any injected yields. May be async. Throwing rejects the
   * statement without running it.
   */
  beforeStatement?(statement: StatementInfo): void | Promise<void>;
  /** Runs synchronously after each execution attempt, including ones that failed with SQLITE_BUSY. */
  afterStatement?(statement: StatementInfo, outcome: StatementOutcome): void;
}

export interface DatabaseOptions {
  /**
   * Which engine createTestDatabase uses. Default: the KATA_DB environment variable ('sqlite' or
   * 'postgres'), else 'sqlite'. openTestDatabase goes by its location instead.
   */
  readonly engine?: Dialect;
  /**
   * PostgreSQL only. true (default): every statement goes through the kit's sequencer, one at a
   * time, so the interleaving depends on the seed alone. false: statements go to the server at once
   * and race for real (benchmarks); nothing is reproducible then.
   */
  readonly deterministic?: boolean;
  /** Seeds the injected interleavings, so a failure replays. Default: 0. */
  readonly seed?: number;
  /**
   * Before each statement (and each BEGIN and COMMIT), yield to the event loop a seeded random
   * number of times between 0 and this, so concurrent callers interleave differently per seed.
   * Default: 0 (a statement runs as soon as it is called).
   */
  readonly maxYields?: number;
  /** Most connections open at once for transactions; more concurrent transactions queue. Default: 16. */
  readonly maxConnections?: number;
  /** Runs of one transaction body before the kit gives up retrying after SQLITE_BUSY. Default: 10000. SQLite only. */
  readonly maxAttempts?: number;
  /**
   * PRAGMA synchronous. Default: 'off', as the kit's PostgreSQL server runs with fsync off: a test
   * database lives for one check, and no check can observe durability across an OS crash (a
   * terminated worker or process loses nothing the OS already has). 'normal' cost a job-queue run
   * about 3,700 fsyncs and a second on the 2-core box. SQLite only.
   */
  readonly synchronous?: 'off' | 'normal' | 'full';
  readonly hooks?: StatementHooks;
}

export interface DatabaseStats {
  /** User statements executed successfully (run, get, all, exec). */
  readonly statements: number;
  readonly committed: number;
  readonly rolledBack: number;
  /** Whole-transaction reruns after SQLITE_BUSY. */
  readonly retried: number;
  /** Execution attempts answered with SQLITE_BUSY. */
  readonly busy: number;
  readonly connectionsOpened: number;
}

/**
 * A crash instead of an error: 'before' kills the instance as the statement is about to run (it
 * never runs); 'after' lets it run (a COMMIT commits) and kills the instance before the caller
 * hears. Either way every transaction the instance holds rolls back and every call it has in
 * flight, or makes later, never settles.
 */
export type CrashTiming = 'before' | 'after';

export interface FaultOptions {
  /** Which statements may fail. Default: statements that can write, issued by the code under test. */
  readonly when?: (statement: StatementInfo) => boolean;
  /** Matching statements to let through before the first failure. Default: 0. */
  readonly skip?: number;
  /** How many matching statements fail once the fault starts. Default: 1. Use Infinity for all. */
  readonly times?: number;
  /** The error each failing statement rejects with. Default: an InjectedFaultError (SQLITE_IOERR). */
  readonly error?: (statement: StatementInfo) => Error;
  /** Crash the instance at the matching statement instead of failing it. Default: fail it. */
  readonly crash?: CrashTiming;
}

export interface InjectedFault {
  /** Matching statements seen so far, failed or not. */
  readonly seen: number;
  /** Statements failed so far. */
  readonly fired: number;
  /** Stops failing statements. */
  remove(): void;
}

export interface RecordedStatement extends StatementInfo {
  readonly ok: boolean;
}

export interface StatementRecorder {
  /** Statements that finished (successfully or not) since the recorder started, in order. */
  readonly statements: readonly RecordedStatement[];
  stop(): void;
}

export interface QueryPlanStep {
  readonly id: number;
  readonly parent: number;
  /** SQLite's detail ("SEARCH seats USING ..."); on PostgreSQL e.g. "Seq Scan on seats" or "Index Scan using seats_pkey on seats". */
  readonly detail: string;
  /** PostgreSQL: the plan node as EXPLAIN (FORMAT JSON) gives it, without its children. */
  readonly node?: Readonly<Record<string, unknown>>;
}

/** A statement whose query plan reads a whole table (or a whole index) instead of searching it. */
export interface FullScan {
  readonly sql: string;
  readonly table: string;
  readonly rows: number;
  readonly detail: string;
}

/** Every user table's rows, sorted, for "this call changed nothing" comparisons. */
export type TableDump = Record<string, Row[]>;

/**
 * The spec's side of a database: hand `db` to the code under test and keep the rest.
 */
export interface TestDatabase {
  /** The handle for the code under test. */
  readonly db: Database;
  /** 'sqlite' or 'postgres'. */
  readonly dialect: Dialect;
  /**
   * Where the database is, for openTestDatabase and the workers kit: the file's absolute path on
   * SQLite, a postgres:// URL on PostgreSQL.
   */
  readonly location: string;
  /** Absolute path of the database file on SQLite. On PostgreSQL the same as `location` (its URL). */
  readonly file: string;
  stats(): DatabaseStats;
  /** Replaces the hooks given at creation (undefined removes them). */
  setHooks(hooks: StatementHooks | undefined): void;
  /** Fails matching statements before they run, as a full disk would, or crashes the instance there. */
  injectFault(options?: FaultOptions): InjectedFault;
  /**
   * This app instance dies now: its open transactions roll back, and its calls in flight and later
   * never settle. Other handles on the same file (other instances) carry on.
   */
  crash(): void;
  /** True once the instance crashed. */
  readonly crashed: boolean;
  /** Starts recording finished statements. */
  record(): StatementRecorder;
  /** The rows of every user table. */
  dump(): Promise<TableDump>;
  /** Row counts of every user table. */
  rowCounts(): Promise<Record<string, number>>;
  /** EXPLAIN QUERY PLAN of one statement. */
  explain(sql: string, ...params: SqlParam[]): Promise<QueryPlanStep[]>;
  /**
   * The statements (from a recorder) whose plans read a whole table holding at least `minRows`
   * rows. Kit statements, schema changes and scripts are skipped.
   */
  fullScans(statements: readonly StatementInfo[], options?: { readonly minRows?: number }): Promise<FullScan[]>;
  /** Closes every connection; a database made by createTestDatabase also deletes its directory. */
  close(): Promise<void>;
}
