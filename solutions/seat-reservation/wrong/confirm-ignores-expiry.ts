/**
 * Bug: confirm checks that the seat still carries this reservation but not that the hold is still
 * live. A buyer whose payment took longer than the hold gets a sale the service had already put
 * back on offer; the clock in the WHERE clause is what makes a hold a lease.
 * Rejected by: paused-holder-fenced, typed-errors
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  parseSettings,
  ReservationExpiredError,
  toReservation,
  type SeatReservation,
  type SeatService,
  type SeatServiceOptions,
} from '../contract.ts';
import { ConditionalUpdateSeatService } from '../index.ts';

export {
  ReservationExpiredError,
  ReservationNotFoundError,
  SeatExistsError,
  SeatNotFoundError,
  SeatUnavailableError,
} from '../index.ts';

class LateConfirmSeatService extends ConditionalUpdateSeatService {
  override async confirm(reservationId: string): Promise<SeatReservation> {
    const id = this.id('reservationId', reservationId);
    return this.db.transaction(async (tx) => {
      const reservation = await this.loadReservation(tx, id);
      if (reservation.status === 'confirmed') return toReservation(reservation);
      const sold = await tx.run(
        `UPDATE seats SET status = 'confirmed', expires_at = NULL
          WHERE seat_id = ? AND reservation_id = ? AND status = 'held'`, // missing: AND expires_at > now
        reservation.seat_id,
        id,
      );
      if (sold.changes === 0) throw new ReservationExpiredError(id);
      await tx.run("UPDATE reservations SET status = 'confirmed' WHERE reservation_id = ?", id);
      return toReservation(reservation, 'confirmed');
    });
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new LateConfirmSeatService(db, holdMs, now);
}
