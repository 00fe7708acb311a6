/**
 * Bug: SeatUnavailableError is built with the user's id where the seat's belongs: the error says
 * "seat user-2 is not available" and its seatId field names the caller, not the seat.
 * Violates: error-fields
 * Rejected by: typed-errors
 */
import type { Database, Queryable } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  SeatNotFoundError,
  SeatUnavailableError,
  type SeatReservation,
  type SeatRow,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class MixedUpSeatService extends ConditionalUpdateSeatService {
  protected override async unclaimed(tx: Queryable, seat: string, user: string): Promise<SeatReservation> {
    const current = await tx.get<SeatRow>('SELECT * FROM seats WHERE seat_id = ?', seat);
    if (current === undefined) throw new SeatNotFoundError(seat);
    if (current.user_id === user && current.reservation_id !== null) {
      return this.reservationOf(await this.loadReservation(tx, current.reservation_id));
    }
    throw new SeatUnavailableError(user);
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new MixedUpSeatService(db, holdMs, now);
}
