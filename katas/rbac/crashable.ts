/**
 * An app instance that can die at its n-th statement, in the same thread as the others.
 *
 * Why not the db kit's `injectFault({ crash })`: on a crash inside a transaction, the kit leaves
 * that transaction open (it keeps the write lock, and the in-thread lock queue counts it as active),
 * so every other instance on the file then waits for ever; and a crash "before" a BEGIN still runs
 * the BEGIN. This wrapper gets the same effect from the outside, through the kit's statement hooks:
 * once the instance is dead, its transaction's next statement (or its COMMIT) fails so the kit rolls
 * it back, as SQLite does when a connection drops, and every call of the instance, in flight or
 * later, never settles.
 */
import type { Database, Queryable, TestDatabase, Transaction } from '../../harness/kit/db/index.ts';

/** What the dead instance's own transaction sees: it only exists to make the kit roll back. */
class InstanceDied extends Error {
  constructor() {
    super('the app instance died');
    this.name = 'InstanceDied';
  }
}

const NEVER = new Promise<never>(() => undefined);

export interface Crashable {
  /** The handle to give the service. */
  readonly db: Database;
  /** Dies at the n-th statement from now (BEGIN and COMMIT included, from 1): before it runs, or just after. */
  crashAt(statement: number, timing: 'before' | 'after'): void;
  /** Cancels a crash that has not happened. */
  disarm(): void;
  readonly crashed: boolean;
}

export function crashable(testDb: TestDatabase): Crashable {
  let crashed = false;
  let plan: { statement: number; timing: 'before' | 'after' } | undefined;
  let seen = 0;
  let dieAfterThis = false;
  testDb.setHooks({
    beforeStatement() {
      if (crashed) throw new InstanceDied();
      if (plan === undefined) return;
      seen++;
      if (seen !== plan.statement) return;
      if (plan.timing === 'before') {
        crashed = true;
        throw new InstanceDied();
      }
      dieAfterThis = true;
    },
    afterStatement() {
      if (!dieAfterThis) return;
      dieAfterThis = false;
      crashed = true;
    },
  });
  // After death nothing reaches the caller: results and errors alike are swallowed.
  const silenced = <T>(call: () => Promise<T>): Promise<T> => {
    if (crashed) return NEVER;
    return call().then(
      (value) => (crashed ? NEVER : value),
      (error: unknown) => (crashed ? NEVER : Promise.reject(error)),
    );
  };
  // Inside a transaction, death must reach the body as an error, so the kit rolls the transaction back.
  const inTransaction = <T>(call: () => Promise<T>): Promise<T> => {
    if (crashed) return Promise.reject(new InstanceDied());
    return call().then((value) => (crashed ? Promise.reject(new InstanceDied()) : value));
  };
  const queryable = (target: Queryable, wrap: typeof silenced): Queryable => ({
    run: (sql, ...params) => wrap(() => target.run(sql, ...params)),
    get: ((sql: string, ...params: never[]) => wrap(() => target.get(sql, ...params))) as Queryable['get'],
    all: ((sql: string, ...params: never[]) => wrap(() => target.all(sql, ...params))) as Queryable['all'],
    exec: (sql) => wrap(() => target.exec(sql)),
  });
  // The wrapper passes on which engine it is and the transaction's isolation level, as the kit's handle does.
  const db: Database = {
    ...queryable(testDb.db, silenced),
    dialect: testDb.db.dialect,
    transaction: (body, options) =>
      silenced(() =>
        testDb.db.transaction(
          (tx) =>
            body(
              Object.assign(queryable(tx, inTransaction), {
                mode: tx.mode,
                attempt: tx.attempt,
                isolation: tx.isolation,
              }) as Transaction,
            ),
          options,
        ),
      ),
  };
  return {
    db,
    crashAt(statement, timing) {
      plan = { statement, timing };
      seen = 0;
    },
    disarm() {
      plan = undefined;
    },
    get crashed() {
      return crashed;
    },
  };
}
