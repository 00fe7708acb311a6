/**
 * Bug: reserveSeat reads the seat inside its transaction, decides in JavaScript that it is free,
 * then writes it with an UPDATE that no longer checks: at READ COMMITTED every concurrent caller
 * reads "free" and every one is told the seat is theirs.
 * Violates: reserve-exactly-one-winner
 * Rejected by: one-winner, many-seats-many-users, linearizable-in-one-process
 *
 * Why only PostgreSQL: a transaction does not make a read-then-write safe; the isolation level
 * decides. SQLite's transactions are serializable: a deferred transaction that read the seat before
 * another writer committed cannot write (SQLITE_BUSY_SNAPSHOT), so the kit rolls it back and runs
 * the body again, and the rerun reads the seat taken. PostgreSQL's default READ COMMITTED lets the
 * stale decision commit: the UPDATE waits for the winner's row lock, then overwrites its hold.
 * The fix is the base's guarded UPDATE, or `SELECT ... FOR UPDATE` (`../postgres/index.ts`).
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  parseSettings,
  PortableSeatService,
  seatState,
  type ReservationRow,
  type SeatRow,
  type SeatService,
  type SeatServiceOptions,
} from '../postgres/conditional-update.ts';
import type { Queryable } from '../../../harness/kit/db/index.ts';

export * from '../postgres/conditional-update.ts';

class ReadThenWriteSeatService extends PortableSeatService {
  protected override async claim(tx: Queryable, row: ReservationRow, now: number): Promise<boolean> {
    const current = await tx.get<SeatRow>(this.sql('SELECT * FROM seats WHERE seat_id = ?'), row.seat_id);
    if (current === undefined || seatState(current, now).status !== 'available') return false;
    // Decided on what this transaction read; at READ COMMITTED others have read the same.
    await tx.run(
      this.sql("UPDATE seats SET status = 'held', reservation_id = ?, user_id = ?, expires_at = ? WHERE seat_id = ?"),
      row.reservation_id,
      row.user_id,
      row.expires_at,
      row.seat_id,
    );
    return true;
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new ReadThenWriteSeatService(db, holdMs, now);
}
