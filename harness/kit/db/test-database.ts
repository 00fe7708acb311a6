/**
 * Databases for specs: a fresh file in a fresh temp directory (WAL makes -wal and -shm files
 * beside it), plus the spec's tools around the handle it gives the code under test: faults,
 * statement recording, dumps and query plans. The tools read through a connection of their own,
 * so they never show up in hooks, faults or recordings.
 *
 * The same functions make PostgreSQL databases (postgres/): `engine: 'postgres'`, or
 * KATA_DB=postgres in the environment, so one spec runs on either engine unedited.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { Engine } from './engine.ts';
import { openConnection, prepareStatement } from './native.ts';
import {
  createPostgresTestDatabase,
  openPostgresTestDatabase,
  postgresDatabaseReady,
} from './postgres/test-database.ts';
import { findFullScans } from './query-plan.ts';
import { quoteIdentifier, sortRows } from './rows.ts';
import type { DatabaseOptions, Dialect, QueryPlanStep, Row, SqlParam, TableDump, TestDatabase } from './types.ts';

/** The environment variable that picks the engine when a spec does not: 'sqlite' (default) or 'postgres'. */
export const ENGINE_ENV = 'KATA_DB';

/** The engine createTestDatabase uses for these options: `engine`, else KATA_DB, else SQLite. */
export function chosenEngine(options: DatabaseOptions = {}): Dialect {
  const chosen = options.engine ?? (process.env[ENGINE_ENV] || 'sqlite');
  if (chosen !== 'sqlite' && chosen !== 'postgres') {
    const from = options.engine !== undefined ? 'engine' : ENGINE_ENV;
    throw new RangeError(`${from} must be 'sqlite' or 'postgres', received ${JSON.stringify(chosen)}`);
  }
  return chosen;
}

const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;

/**
 * Creates an empty database: on SQLite a file in a new temp directory (close() deletes the
 * directory), on PostgreSQL a new database on the process's server (close() drops it).
 */
export function createTestDatabase(options: DatabaseOptions = {}): TestDatabase {
  if (chosenEngine(options) === 'postgres') return createPostgresTestDatabase(options);
  const dir = mkdtempSync(join(tmpdir(), 'kata-db-'));
  const file = join(dir, 'kata.sqlite');
  try {
    return wrap(new Engine(file, options, true), () => rmSync(dir, { recursive: true, force: true }));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Opens an existing database, e.g. one a spec created, from a worker thread standing in for
 * another app instance: a TestDatabase's `location` (a file's absolute path, or a postgres:// URL).
 * close() closes the connections and leaves the database.
 */
export function openTestDatabase(file: string, options: DatabaseOptions = {}): TestDatabase {
  if (typeof file === 'string' && POSTGRES_URL.test(file)) return openPostgresTestDatabase(file, options);
  if (typeof file !== 'string' || !isAbsolute(file)) {
    throw new TypeError(`file must be an absolute path, received ${JSON.stringify(file)}`);
  }
  if (!existsSync(file)) throw new RangeError(`no database file at ${file}`);
  return wrap(new Engine(resolve(file), options, false));
}

/**
 * Resolves once the database at `location` can be opened from another thread: a PostgreSQL
 * database this thread is still creating exists. The workers kit waits for it before starting.
 */
export function databaseReady(location: string): Promise<void> {
  return POSTGRES_URL.test(location) ? postgresDatabaseReady(location) : Promise.resolve();
}

/** `deleteFile`: what close() does last for a database of its own (createTestDatabase); none leaves the file. */
function wrap(engine: Engine, deleteFile?: () => void): TestDatabase {
  let inspector: BetterSqlite3.Database | undefined;
  const inspectorStatements = new Map<string, BetterSqlite3.Statement>();
  const inspect = (sql: string): BetterSqlite3.Statement => {
    inspector ??= openConnection(engine.file, { fileMustExist: true });
    let statement = inspectorStatements.get(sql);
    if (statement === undefined) {
      statement = prepareStatement(inspector, sql);
      inspectorStatements.set(sql, statement);
    }
    return statement;
  };
  const tables = (): string[] =>
    (
      inspect(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      ).all() as {
        name: string;
      }[]
    ).map((row) => row.name);
  const rowCount = (table: string): number =>
    (inspect(`SELECT count(*) AS n FROM ${quoteIdentifier(table)}`).get() as { n: number }).n;
  const explain = (sql: string, params: readonly SqlParam[]): QueryPlanStep[] =>
    inspect(`EXPLAIN QUERY PLAN ${sql}`).all(...(params as unknown[])) as QueryPlanStep[];
  let closed = false;

  return {
    db: engine.db,
    dialect: 'sqlite',
    location: engine.file,
    file: engine.file,
    stats: () => engine.stats(),
    setHooks: (hooks) => engine.setHooks(hooks),
    injectFault: (options) => engine.injectFault(options),
    crash: () => engine.crash(),
    get crashed() {
      return engine.isCrashed;
    },
    record: () => engine.record(),
    async dump() {
      const dump: TableDump = {};
      for (const table of tables()) {
        dump[table] = sortRows(inspect(`SELECT * FROM ${quoteIdentifier(table)}`).all() as Row[]);
      }
      return dump;
    },
    async rowCounts() {
      return Object.fromEntries(tables().map((table) => [table, rowCount(table)]));
    },
    async explain(sql, ...params) {
      return explain(sql, params);
    },
    async fullScans(statements, options = {}) {
      return findFullScans(statements, {
        minRows: options.minRows ?? 100,
        tables: new Set(tables()),
        rowCount,
        explain,
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      inspector?.close();
      await engine.close({ discard: deleteFile !== undefined });
      deleteFile?.();
    },
  };
}
