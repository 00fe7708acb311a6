/**
 * The database kit: an async handle over a real SQLite file for the data katas. Implementations
 * import only the types (`Database`, `Transaction`, ...); specs create databases with
 * createTestDatabase and, for several app instances, open the same file from worker threads with
 * openTestDatabase (see harness/kit/workers). README.md in this folder documents the API.
 */
export { createTestDatabase, openTestDatabase } from './test-database.ts';
export {
  DatabaseClosedError,
  InjectedFaultError,
  TransactionClosedError,
  TransactionControlError,
  TransactionRetryLimitError,
  isBusyError,
} from './errors.ts';
export { USER_STATEMENT_KINDS } from './types.ts';
export { faultTargets, settleWithin } from './faults.ts';

export type {
  CrashTiming,
  Database,
  DatabaseOptions,
  DatabaseStats,
  FaultOptions,
  FullScan,
  InjectedFault,
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
