/**
 * A database handle that can hold back the answer to a statement until something else has happened:
 * the way a request sits on the wire while other instances commit. A check that reads its policy in
 * several statements is then caught between them; one that reads a single snapshot (one statement,
 * or one transaction) is not.
 */
import type { Database, Queryable, Transaction } from '../../harness/kit/db/index.ts';

export interface Pausable {
  readonly db: Database;
  /** From now on, before handing over the answer to the n-th statement (from 1), waits for `meanwhile`. */
  pauseAt(statement: number, meanwhile: () => Promise<unknown>): void;
  /** Statements answered since the last pauseAt. */
  readonly answered: number;
}

export function pausable(db: Database): Pausable {
  let answered = 0;
  let pause: { statement: number; meanwhile: () => Promise<unknown> } | undefined;
  const held = async <T>(call: () => Promise<T>): Promise<T> => {
    const result = await call();
    answered++;
    if (pause !== undefined && answered === pause.statement) await pause.meanwhile().catch(() => undefined);
    return result;
  };
  const queryable = (target: Queryable): Queryable => ({
    run: (sql, ...params) => held(() => target.run(sql, ...params)),
    get: ((sql: string, ...params: never[]) => held(() => target.get(sql, ...params))) as Queryable['get'],
    all: ((sql: string, ...params: never[]) => held(() => target.all(sql, ...params))) as Queryable['all'],
    exec: (sql) => held(() => target.exec(sql)),
  });
  return {
    // The wrapper passes on which engine it is and the transaction's isolation level, as the kit's handle does.
    db: {
      ...queryable(db),
      dialect: db.dialect,
      transaction: (body, options) =>
        db.transaction(
          (tx) =>
            body(
              Object.assign(queryable(tx), {
                mode: tx.mode,
                attempt: tx.attempt,
                isolation: tx.isolation,
              }) as Transaction,
            ),
          options,
        ),
    },
    pauseAt(statement, meanwhile) {
      answered = 0;
      pause = { statement, meanwhile };
    },
    get answered() {
      return answered;
    },
  };
}
