/**
 * Bug: confirm checks in JavaScript that the hold is live (two autocommit reads), then writes the sale
 * without a guard. A "payment failed" release that commits between the check and the write is told
 * true, the seat is freed, and then sold anyway: both callers were told they won.
 * Violates: concurrent-calls-linearizable
 * Rejected by: linearizable-in-one-process
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  ReservationExpiredError,
  type SeatReservation,
  type SeatRow,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class UnguardedSaleSeatService extends ConditionalUpdateSeatService {
  override async confirm(reservationId: string): Promise<SeatReservation> {
    const id = this.id('reservationId', reservationId);
    const reservation = await this.loadReservation(this.db, id);
    if (reservation.status === 'confirmed') return this.reservationOf(reservation);
    const seat = await this.db.get<SeatRow>('SELECT * FROM seats WHERE seat_id = ?', reservation.seat_id);
    const state = seat === undefined ? undefined : this.stateOf(seat, this.now());
    if (state?.status !== 'held' || state.reservationId !== id) throw new ReservationExpiredError(id);
    await this.db.transaction(async (tx) => {
      await tx.run(
        "UPDATE seats SET status = 'confirmed', reservation_id = ?, user_id = ?, expires_at = NULL WHERE seat_id = ?",
        id,
        reservation.user_id,
        reservation.seat_id,
      );
      await tx.run("UPDATE reservations SET status = 'confirmed' WHERE reservation_id = ?", id);
    });
    return this.reservationOf(reservation, 'confirmed');
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new UnguardedSaleSeatService(db, holdMs, now);
}
