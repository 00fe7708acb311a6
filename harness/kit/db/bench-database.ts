/**
 * A database per benchmark row, for vitest's `bench` (tinybench). tinybench calls a row's
 * `setup` before its warm-up and again before its measured run, and calls `teardown` without
 * awaiting it. A teardown written as `await db.close(); db = undefined` therefore races the next
 * setup: its second half clears the database that setup has just opened, which is then never
 * closed (and a setup that closes "the previous one" may close it twice). Here every close is
 * chained on one promise that the next open awaits, and nothing is cleared after an await.
 */
import type { TestDatabase } from './types.ts';

export interface BenchDatabase {
  /** The database the last `open` made; throws before the first, or after a `close`. */
  readonly current: TestDatabase;
  /** Waits for every earlier close (rejecting if one failed), then opens a fresh database: for a row's `setup`. */
  open(): Promise<TestDatabase>;
  /** Starts closing the current database, if any; the next `open` waits for it: for a row's `teardown`. */
  close(): void;
  /** Resolves once every close has finished, for an `afterAll`; rejects with the first close that failed. */
  closed(): Promise<void>;
}

export function benchDatabase(create: () => TestDatabase): BenchDatabase {
  let current: TestDatabase | undefined;
  let closing: Promise<void> = Promise.resolve();
  return {
    get current(): TestDatabase {
      if (current === undefined) throw new Error('benchDatabase: no database is open (call open() in setup)');
      return current;
    },
    async open(): Promise<TestDatabase> {
      this.close();
      await closing;
      current = create();
      return current;
    },
    close(): void {
      const open = current;
      current = undefined;
      if (open !== undefined) closing = closing.then(() => open.close());
    },
    closed(): Promise<void> {
      return closing;
    },
  };
}
