/**
 * Bug: release reads the seat, checks in JavaScript that this hold is still on it, then frees it.
 * The check is right but it is not part of the write: when the "payment failed" notice is delivered
 * several times at once, every delivery passes the check before any of them writes, and each one
 * reports that it freed the seat (and would refund, notify, or log it again).
 * Violates: release-exactly-once
 * Rejected by: release-frees-once, linearizable-in-one-process
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  type SeatRow,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class CheckThenReleaseSeatService extends ConditionalUpdateSeatService {
  override async release(reservationId: string): Promise<boolean> {
    const id = this.id('reservationId', reservationId);
    const reservation = await this.loadReservation(this.db, id);
    const seat = await this.db.get<SeatRow>('SELECT * FROM seats WHERE seat_id = ?', reservation.seat_id);
    const state = seat === undefined ? undefined : this.stateOf(seat, this.now());
    if (state?.status !== 'held' || state.reservationId !== id) return false;
    await this.db.transaction(async (tx) => {
      await tx.run(
        `UPDATE seats SET status = 'available', reservation_id = NULL, user_id = NULL, expires_at = NULL
          WHERE seat_id = ?`,
        reservation.seat_id,
      );
      await tx.run("UPDATE reservations SET status = 'released' WHERE reservation_id = ?", id);
    });
    return true;
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new CheckThenReleaseSeatService(db, holdMs, now);
}
