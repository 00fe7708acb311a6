/**
 * Bug: The same-user answer only covers holds: once the seat is sold, the buyer's own retry (a page
 * reload after paying) is told the seat is unavailable, as if someone else had bought it.
 * Violates: reserve-same-user-after-confirm
 * Rejected by: retry-returns-same
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

class HoldOnlyRetrySeatService extends ConditionalUpdateSeatService {
  protected override async unclaimed(tx: Queryable, seat: string, user: string): Promise<SeatReservation> {
    const current = await tx.get<SeatRow>('SELECT * FROM seats WHERE seat_id = ?', seat);
    if (current === undefined) throw new SeatNotFoundError(seat);
    if (current.status === 'held' && current.user_id === user && current.reservation_id !== null) {
      return this.reservationOf(await this.loadReservation(tx, current.reservation_id));
    }
    throw new SeatUnavailableError(seat);
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new HoldOnlyRetrySeatService(db, holdMs, now);
}
