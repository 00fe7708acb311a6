/**
 * PostgreSQL databases for specs: a fresh database per TestDatabase (CREATE DATABASE with a unique
 * name on the process's server), plus the spec's tools around the handle: faults, crashes,
 * recordings, dumps and query plans. The tools read through a connection of their own, outside
 * the sequencer, so they never show up in hooks, faults or recordings, and see committed data only.
 */
import { randomBytes } from 'node:crypto';
import { threadId } from 'node:worker_threads';
import { quoteIdentifier, sortRows } from '../rows.ts';
import type { DatabaseOptions, QueryPlanStep, Row, SqlParam, TableDump, TestDatabase } from '../types.ts';
import { extendedQuery, PgConnection } from './connection.ts';
import { PgEngine, validatePostgresOptions } from './engine.ts';
import { flattenPlan, fullScansIn } from './query-plan.ts';
import { acquireShared, releaseShared } from './shared.ts';
import { databaseName, databaseUrl, postgresServer, type PgServer } from './server.ts';
import { checkParams } from './sql.ts';

/** Databases this thread is creating, by URL: a handle opened on one waits for it to exist. */
const creating = new Map<string, Promise<void>>();
let created = 0;

const admins = new Map<string, Promise<PgConnection>>();

/** A connection to the server's maintenance database, for CREATE and DROP DATABASE. */
function admin(server: PgServer): Promise<PgConnection> {
  let connection = admins.get(server.url);
  if (connection === undefined) {
    connection = PgConnection.open(server.url, -2, '-c client_min_messages=warning').catch((error: Error) => {
      admins.delete(server.url);
      throw new Error(`cannot connect to ${server.description}: ${error.message}`, { cause: error });
    });
    admins.set(server.url, connection);
  }
  return connection.then((open) => {
    if (!open.dead) return open;
    admins.delete(server.url);
    return admin(server);
  });
}

async function createDatabase(server: PgServer, name: string): Promise<void> {
  const connection = await admin(server);
  // FILE_COPY is the quicker copy when checkpoints are cheap: on the kit's own server (fsync off).
  const strategy = server.own ? ' STRATEGY FILE_COPY' : '';
  try {
    await connection.query(`CREATE DATABASE ${quoteIdentifier(name)}${strategy}`);
  } catch (error) {
    throw new Error(`cannot create a database on ${server.description}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function dropDatabase(server: PgServer, name: string): Promise<void> {
  const connection = await admin(server);
  await connection.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
}

function uniqueName(): string {
  created++;
  return `kata_${process.pid}_${threadId}_${created}_${randomBytes(3).toString('hex')}`;
}

/** Creates an empty database on the process's server; close() drops it. */
export function createPostgresTestDatabase(options: DatabaseOptions = {}): TestDatabase {
  validatePostgresOptions(options);
  const server = postgresServer();
  const name = uniqueName();
  const url = databaseUrl(server.url, name);
  const ready = createDatabase(server, name);
  ready.catch(() => undefined);
  creating.set(url, ready);
  void ready.then(
    () => creating.delete(url),
    () => creating.delete(url),
  );
  return wrap(url, options, ready, () => dropDatabase(server, name));
}

/** Opens an existing database by URL (another app instance; worker threads). close() leaves it. */
export function openPostgresTestDatabase(url: string, options: DatabaseOptions = {}): TestDatabase {
  validatePostgresOptions(options);
  const name = databaseName(url);
  if (name === '') throw new TypeError(`the URL names no database: ${url}`);
  return wrap(url, options, creating.get(url) ?? Promise.resolve(), async () => undefined);
}

/** Resolves once a database this thread is creating exists. */
export function postgresDatabaseReady(url: string): Promise<void> {
  return creating.get(url) ?? Promise.resolve();
}

function wrap(url: string, options: DatabaseOptions, created: Promise<void>, drop: () => Promise<void>): TestDatabase {
  const shared = acquireShared(url, created);
  const engine = new PgEngine(url, shared, options);
  let inspector: Promise<PgConnection> | undefined;
  const inspect = async (sql: string, params: readonly unknown[] = []): Promise<Row[]> => {
    await shared.ready;
    inspector ??= PgConnection.open(url, -3, '-c client_min_messages=warning');
    const connection = await inspector;
    return (await connection.query(extendedQuery(sql, params))).rows as Row[];
  };
  const tables = async (): Promise<string[]> =>
    (
      (await inspect(
        `SELECT schemaname, tablename FROM pg_tables
          WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE 'pg_temp%'
          ORDER BY schemaname <> 'public', schemaname, tablename`,
      )) as { schemaname: string; tablename: string }[]
    ).map((row) => (row.schemaname === 'public' ? row.tablename : `${row.schemaname}.${row.tablename}`));
  const qualified = (table: string): string => table.split('.').map(quoteIdentifier).join('.');
  const rowCount = async (table: string): Promise<number> =>
    ((await inspect(`SELECT count(*)::int AS n FROM ${qualified(table)}`)) as { n: number }[])[0]!.n;
  const plan = async (sql: string, params: readonly SqlParam[]): Promise<QueryPlanStep[]> => {
    const rows = (await inspect(`EXPLAIN (FORMAT JSON) ${sql}`, checkParams(params))) as { 'QUERY PLAN': unknown }[];
    return flattenPlan(rows[0]?.['QUERY PLAN']);
  };
  let closed = false;

  return {
    db: engine.db,
    dialect: 'postgres',
    location: url,
    file: url,
    stats: () => engine.stats(),
    setHooks: (hooks) => engine.setHooks(hooks),
    injectFault: (faultOptions) => engine.injectFault(faultOptions),
    crash: () => engine.crash(),
    get crashed() {
      return engine.crashed;
    },
    record: () => engine.record(),
    async dump() {
      const dump: TableDump = {};
      for (const table of await tables()) dump[table] = sortRows(await inspect(`SELECT * FROM ${qualified(table)}`));
      return dump;
    },
    async rowCounts() {
      const counts: Record<string, number> = {};
      for (const table of await tables()) counts[table] = await rowCount(table);
      return counts;
    },
    async explain(sql, ...params) {
      return plan(sql, params);
    },
    async fullScans(statements, scanOptions = {}) {
      // Statistics first, and no sequential scan where an index could serve: on a small table the
      // planner would rightly prefer one, and "the lookup can use an index" is the question.
      await inspect('ANALYZE');
      await inspect('SET enable_seqscan = off');
      try {
        return await fullScansIn(statements, {
          minRows: scanOptions.minRows ?? 100,
          tables: new Set(await tables()),
          rowCount,
          explain: plan,
        });
      } finally {
        await inspect('RESET enable_seqscan');
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await engine.close();
      const connection = await inspector?.catch(() => undefined);
      await connection?.close();
      await releaseShared(shared);
      await created.catch(() => undefined);
      await drop();
    },
  };
}
