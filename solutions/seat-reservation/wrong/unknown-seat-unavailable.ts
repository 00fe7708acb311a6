/**
 * Bug: When the claim changes nothing it answers "unavailable" without looking whether the seat
 * exists: a typo in a seat id reads as "someone else has it", and the client shows the wrong page.
 * Violates: reserve-unknown-seat
 * Rejected by: typed-errors
 */
import type { Database, Queryable } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  SeatUnavailableError,
  type SeatReservation,
  type SeatRow,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class VagueSeatService extends ConditionalUpdateSeatService {
  protected override async unclaimed(tx: Queryable, seat: string, user: string): Promise<SeatReservation> {
    const current = await tx.get<SeatRow>('SELECT * FROM seats WHERE seat_id = ?', seat);
    if (current?.user_id === user && current.reservation_id !== null) {
      return this.reservationOf(await this.loadReservation(tx, current.reservation_id));
    }
    throw new SeatUnavailableError(seat); // also when there is no such seat
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new VagueSeatService(db, holdMs, now);
}
