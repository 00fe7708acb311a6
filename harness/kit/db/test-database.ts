/**
 * Databases for specs: a fresh file in a fresh temp directory (WAL makes -wal and -shm files
 * beside it), plus the spec's tools around the handle it gives the code under test: faults,
 * statement recording, dumps and query plans. The tools read through a connection of their own,
 * so they never show up in hooks, faults or recordings.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { Engine } from './engine.ts';
import { openConnection, prepareStatement } from './native.ts';
import { findFullScans } from './query-plan.ts';
import type { DatabaseOptions, QueryPlanStep, Row, SqlParam, TableDump, TestDatabase } from './types.ts';

/** Creates an empty database in a new temp directory; close() deletes the directory. */
export function createTestDatabase(options: DatabaseOptions = {}): TestDatabase {
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
 * Opens an existing database file, e.g. one a spec created, from a worker thread standing in for
 * another app instance. close() closes the connections and leaves the file.
 */
export function openTestDatabase(file: string, options: DatabaseOptions = {}): TestDatabase {
  if (typeof file !== 'string' || !isAbsolute(file)) {
    throw new TypeError(`file must be an absolute path, received ${JSON.stringify(file)}`);
  }
  if (!existsSync(file)) throw new RangeError(`no database file at ${file}`);
  return wrap(new Engine(resolve(file), options, false), () => undefined);
}

function wrap(engine: Engine, cleanUp: () => void): TestDatabase {
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
        const rows = inspect(`SELECT * FROM ${quoteIdentifier(table)}`).all() as Row[];
        dump[table] = rows
          .map((row) => ({ row, key: stableKey(row) }))
          .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
          .map(({ row }) => row);
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
      await engine.close();
      cleanUp();
    },
  };
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function stableKey(row: Row): string {
  return JSON.stringify(row, (_key, value: unknown) =>
    typeof value === 'bigint'
      ? `${value}n`
      : value instanceof Uint8Array
        ? `x'${Buffer.from(value).toString('hex')}'`
        : value,
  );
}
