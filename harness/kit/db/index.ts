/**
 * The database kit: an async handle over a real database for the data katas, SQLite (a file, the
 * default) or PostgreSQL (a throwaway server the kit starts, or KATA_PG_URL). Implementations
 * import only the types (`Database`, `Transaction`, ...); specs create databases with
 * createTestDatabase and, for several app instances, open the same one from worker threads with
 * openTestDatabase(testDb.location) (see harness/kit/workers). README.md in this folder documents the API.
 */
export { chosenEngine, createTestDatabase, databaseReady, ENGINE_ENV, openTestDatabase } from './test-database.ts';
export { PG_URL_ENV, PostgresUnavailableError, probePostgres } from './postgres/server.ts';
export {
  DatabaseClosedError,
  InjectedFaultError,
  TransactionClosedError,
  TransactionControlError,
  TransactionRetryLimitError,
  isBusyError,
} from './errors.ts';
export { ISOLATION_LEVELS, USER_STATEMENT_KINDS } from './types.ts';
export { faultTargets, settleWithin } from './faults.ts';
export { benchDatabase } from './bench-database.ts';

export type { BenchDatabase } from './bench-database.ts';
export type {
  CrashTiming,
  Database,
  DatabaseOptions,
  Dialect,
  DatabaseStats,
  FaultOptions,
  FullScan,
  InjectedFault,
  IsolationLevel,
  NamedParams,
  Queryable,
  QueryPlanStep,
  RecordedStatement,
  Row,
  RunResult,
  SqlParam,
  SqlValue,
  StatementHooks,
  StatementInfo,
  StatementKind,
  StatementOutcome,
  StatementRecorder,
  TableDump,
  TestDatabase,
  Transaction,
  TransactionInfo,
  TransactionMode,
  TransactionOptions,
} from './types.ts';

/** Another name for `Database`, for code that reads better with it. */
export type { Database as AsyncDatabase } from './types.ts';
