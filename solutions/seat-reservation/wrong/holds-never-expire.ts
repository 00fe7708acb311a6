/**
 * Bug: a hold is forever. The claim only takes seats whose status is 'available', so a user who
 * abandons checkout (closed tab, failed card, crashed phone) keeps the seat off sale until someone
 * releases it by hand.
 * Rejected by: hold-expiry
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  newReservationId,
  parseSettings,
  SeatNotFoundError,
  SeatUnavailableError,
  toReservation,
  type ReservationRow,
  type SeatReservation,
  type SeatService,
  type SeatServiceOptions,
  type SeatState,
} from '../contract.ts';
import { ConditionalUpdateSeatService, type SeatRow } from '../index.ts';

export {
  ReservationExpiredError,
  ReservationNotFoundError,
  SeatExistsError,
  SeatNotFoundError,
  SeatUnavailableError,
} from '../index.ts';

class EverlastingHoldSeatService extends ConditionalUpdateSeatService {
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
          WHERE seat_id = ? AND status = 'available'`,
        row.reservation_id,
        user,
        row.expires_at,
        seat,
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

  override async getSeat(seatId: string): Promise<SeatState> {
    const seat = this.id('seatId', seatId);
    const row = await this.db.get<SeatRow>('SELECT * FROM seats WHERE seat_id = ?', seat);
    if (row === undefined) throw new SeatNotFoundError(seat);
    if (row.status === 'available' || row.reservation_id === null || row.user_id === null) {
      return { seatId: seat, status: 'available' };
    }
    if (row.status === 'confirmed') {
      return { seatId: seat, status: 'confirmed', reservationId: row.reservation_id, userId: row.user_id };
    }
    return {
      seatId: seat,
      status: 'held',
      reservationId: row.reservation_id,
      userId: row.user_id,
      expiresAt: new Date(row.expires_at ?? 0),
    };
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new EverlastingHoldSeatService(db, holdMs, now);
}
