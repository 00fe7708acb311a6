/**
 * Bug: confirm marks the seat sold but leaves its hold deadline in place, and the claim takes any
 * seat whose deadline has passed. Ten minutes after the sale the seat is on offer again and a
 * second buyer gets it.
 * Rejected by: seat-lifecycle
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  newReservationId,
  parseSettings,
  ReservationExpiredError,
  SeatNotFoundError,
  SeatUnavailableError,
  toReservation,
  type ReservationRow,
  type SeatReservation,
  type SeatService,
  type SeatServiceOptions,
} from '../contract.ts';
import { ConditionalUpdateSeatService, type SeatRow } from '../index.ts';

export {
  ReservationExpiredError,
  ReservationNotFoundError,
  SeatExistsError,
  SeatNotFoundError,
  SeatUnavailableError,
} from '../index.ts';

class ExpiringSaleSeatService extends ConditionalUpdateSeatService {
  override async reserveSeat(seatId: string, userId: string): Promise<SeatReservation> {
    const seat = this.id('seatId', seatId);
    const user = this.id('userId', userId);
    return this.db.transaction(async (tx) => {
      const now = this.now();
      const row: ReservationRow = {
        reservation_id: newReservationId(),
        seat_id: seat,
        user_id: user,
        created_at: now,
        expires_at: now + this.holdMs,
        status: 'held',
      };
      const claimed = await tx.run(
        `UPDATE seats SET status = 'held', reservation_id = ?, user_id = ?, expires_at = ?
          WHERE seat_id = ? AND (status = 'available' OR expires_at <= ?)`, // sold seats too
        row.reservation_id,
        user,
        row.expires_at,
        seat,
        now,
      );
      if (claimed.changes === 1) {
        await this.insertReservation(tx, row);
        return toReservation(row);
      }
      const current = await tx.get<SeatRow>('SELECT * FROM seats WHERE seat_id = ?', seat);
      if (current === undefined) throw new SeatNotFoundError(seat);
      if (current.user_id === user && current.reservation_id !== null) {
        return toReservation(await this.loadReservation(tx, current.reservation_id));
      }
      throw new SeatUnavailableError(seat);
    });
  }

  override async confirm(reservationId: string): Promise<SeatReservation> {
    const id = this.id('reservationId', reservationId);
    return this.db.transaction(async (tx) => {
      const reservation = await this.loadReservation(tx, id);
      if (reservation.status === 'confirmed') return toReservation(reservation);
      const sold = await tx.run(
        `UPDATE seats SET status = 'confirmed'
          WHERE seat_id = ? AND reservation_id = ? AND status = 'held' AND expires_at > ?`, // keeps expires_at
        reservation.seat_id,
        id,
        this.now(),
      );
      if (sold.changes === 0) throw new ReservationExpiredError(id);
      await tx.run("UPDATE reservations SET status = 'confirmed' WHERE reservation_id = ?", id);
      return toReservation(reservation, 'confirmed');
    });
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new ExpiringSaleSeatService(db, holdMs, now);
}
