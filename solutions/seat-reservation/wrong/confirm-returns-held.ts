/**
 * Bug: confirm sells the seat but resolves the reservation as it was read before the sale, with
 * status 'held': the client, told the payment went through, still shows a countdown.
 * Violates: confirm-live-hold
 * Rejected by: seat-lifecycle
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  ReservationExpiredError,
  type SeatReservation,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class StaleConfirmSeatService extends ConditionalUpdateSeatService {
  override async confirm(reservationId: string): Promise<SeatReservation> {
    const id = this.id('reservationId', reservationId);
    return this.db.transaction(async (tx) => {
      const reservation = await this.loadReservation(tx, id);
      if (reservation.status === 'confirmed') return this.reservationOf(reservation);
      if (!(await this.sell(tx, reservation, this.now()))) throw new ReservationExpiredError(id);
      await tx.run("UPDATE reservations SET status = 'confirmed' WHERE reservation_id = ?", id);
      return this.reservationOf(reservation); // the row as read: 'held'
    });
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new StaleConfirmSeatService(db, holdMs, now);
}
