/**
 * Bug: Runs every transaction at SERIALIZABLE "to be safe" and never retries one: when two calls
 * race for a seat, the loser's transaction fails with a serialization failure (40001), and that
 * database error reaches the caller instead of SeatUnavailableError.
 * Violates: reserve-exactly-one-winner
 * Rejected by: one-winner, many-seats-many-users, linearizable-in-one-process
 *
 * Why only PostgreSQL: SQLite is always serializable, and the kit reruns a transaction that lost
 * the write lock (SQLITE_BUSY never reaches the code), so the loser runs again and finds the seat
 * taken. PostgreSQL leaves the retry to the application: at SERIALIZABLE (and REPEATABLE READ) an
 * UPDATE of a row that another transaction changed and committed since this one's snapshot fails
 * with 40001, and so may a COMMIT. SERIALIZABLE is only correct with the whole transaction run
 * again on 40001 (and 40P01); the base's guarded UPDATE needs neither at READ COMMITTED.
 */
import type { Database, TransactionOptions } from '../../../harness/kit/db/index.ts';
import {
  parseSettings,
  PortableSeatService,
  type SeatService,
  type SeatServiceOptions,
} from '../postgres/conditional-update.ts';

export * from '../postgres/conditional-update.ts';

class SerializableSeatService extends PortableSeatService {
  protected override readonly options: TransactionOptions = { isolation: 'serializable' };
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new SerializableSeatService(db, holdMs, now);
}
