/**
 * Bug: every call runs at SERIALIZABLE instead of locking rows, and a serialization failure (40001)
 * is never retried: it reaches the caller, so a claim, an enqueue or a result recorded beside
 * another call is refused with a database error.
 * Violates: claim-exclusive
 * Rejected by: linearizable-one-process
 *
 * Why only PostgreSQL: SQLite accepts `isolation: 'serializable'` (it is always serializable) and
 * its kit reruns a body whose snapshot went stale, so no error ever reaches the code. PostgreSQL's
 * serializable snapshot isolation aborts one of two transactions that read what the other wrote
 * (here every call's lease settlement reads the running jobs a concurrent claim writes) with
 * 40001, and the kit leaves the retry to the caller. The fix: retry the whole call on 40001 and
 * 40P01, or stay at READ COMMITTED with row locks (`../postgres/index.ts`).
 */
import type { Queryable } from '../../../harness/kit/db/index.ts';
import { DualDialectQueue, factoryFor } from './base/dual-dialect.ts';

export * from './base/dual-dialect.ts';

class SerializableNeverRetried extends DualDialectQueue {
  /** "SERIALIZABLE makes it safe": no row locks. */
  protected override lock(): string {
    return '';
  }

  protected override write<T>(body: (tx: Queryable, now: number) => Promise<T>): Promise<T> {
    return this.db.transaction(
      async (tx) => {
        const now = this.config.now();
        await this.expireLeases(tx, now);
        return body(tx, now);
      },
      { isolation: 'serializable' },
    );
  }
}

export const createJobQueue = factoryFor(SerializableNeverRetried);
