/**
 * The only place the kit creates better-sqlite3 objects, so that none of them is ever garbage.
 *
 * Node 24 changed node::ObjectWrap: its destructor now unregisters a per-object environment cleanup
 * hook, and that call aborts the whole process (`Assertion failed: (env) != nullptr` in
 * RemoveEnvironmentCleanupHook) when it runs inside a garbage collection. better-sqlite3 12, the
 * last major that supports Node 20, wraps every connection and statement in an ObjectWrap, so on
 * Node 24 a statement the collector reclaims takes the test process down with it. Objects that stay
 * reachable are freed instead by Node's own cleanup hooks when their thread or process ends, while
 * the environment still exists, which is safe. So every connection and statement made here is
 * retained for the life of its thread. The cost is memory: closing a connection finalizes its
 * statements in SQLite, leaving only the small wrappers behind.
 */
import BetterSqlite3 from 'better-sqlite3';

const retained: object[] = [];

function retain<T extends object>(value: T): T {
  retained.push(value);
  return value;
}

/** A new connection to `file`, never garbage-collected. */
export function openConnection(file: string, options: BetterSqlite3.Options = {}): BetterSqlite3.Database {
  return retain(new BetterSqlite3(file, options));
}

/** A prepared statement on `connection`, never garbage-collected. */
export function prepareStatement(connection: BetterSqlite3.Database, sql: string): BetterSqlite3.Statement {
  return retain(connection.prepare(sql));
}

/**
 * Runs a PRAGMA that sets a value. `db.pragma()` prepares a statement and drops it at once, which
 * is exactly the garbage this module exists to avoid; `exec` prepares none that JavaScript sees.
 */
export function setPragma(connection: BetterSqlite3.Database, assignment: string): void {
  connection.exec(`PRAGMA ${assignment}`);
}

/** How many better-sqlite3 objects this thread holds on to (for tests and memory notes). */
export function retainedCount(): number {
  return retained.length;
}
