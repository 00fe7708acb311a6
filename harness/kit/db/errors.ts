/** Errors the database kit raises, each with a stable `code`. */

/** The database handle was closed; nothing more can run on it. */
export class DatabaseClosedError extends Error {
  readonly code = 'ERR_DB_CLOSED';

  constructor(file: string) {
    super(`the database ${file} is closed`);
    this.name = 'DatabaseClosedError';
  }
}

/**
 * A transaction handle was used after its body settled (a missing `await`, or a handle kept past
 * the transaction), or after the transaction was ended from inside.
 */
export class TransactionClosedError extends Error {
  readonly code = 'ERR_DB_TRANSACTION_CLOSED';

  constructor(reason: string) {
    super(reason);
    this.name = 'TransactionClosedError';
  }
}

/** The body asked for a transaction-control statement the kit owns (BEGIN, COMMIT, ROLLBACK, END). */
export class TransactionControlError extends Error {
  readonly code = 'ERR_DB_TRANSACTION_CONTROL';

  constructor(sql: string, where: string) {
    super(
      `${JSON.stringify(sql.trim().slice(0, 60))} ${where}: use db.transaction(body) instead of BEGIN/COMMIT/ROLLBACK`,
    );
    this.name = 'TransactionControlError';
  }
}

/** A transaction kept hitting SQLITE_BUSY after the configured number of runs. */
export class TransactionRetryLimitError extends Error {
  readonly code = 'ERR_DB_RETRY_LIMIT';

  constructor(attempts: number, options?: ErrorOptions) {
    super(`the transaction hit SQLITE_BUSY on each of ${attempts} attempts`, options);
    this.name = 'TransactionRetryLimitError';
  }
}

/**
 * A failure a spec injected, shaped like the engine's own I/O error: SQLite's SQLITE_IOERR, or
 * PostgreSQL's SQLSTATE 58030 (io_error).
 */
export class InjectedFaultError extends Error {
  readonly code: 'SQLITE_IOERR' | '58030';
  readonly injected = true;

  constructor(sql: string, code: 'SQLITE_IOERR' | '58030' = 'SQLITE_IOERR') {
    const what = code === 'SQLITE_IOERR' ? 'disk I/O error' : 'could not write to file';
    super(`${what} (injected by the spec) while running ${JSON.stringify(sql.trim().slice(0, 80))}`);
    this.code = code;
    this.name = 'InjectedFaultError';
  }
}

/** True for SQLITE_BUSY and its extended codes (BUSY_SNAPSHOT, BUSY_RECOVERY, BUSY_TIMEOUT). */
export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}
