/**
 * Bug: A seat that is not free is "unavailable", even to the user who holds it. A double-click or a
 * client retry after a timeout tells the buyer their own seat is gone, and the second request of
 * a storm fails while the first one succeeded.
 * Violates: reserve-same-user-returns-hold
 * Rejected by: retry-returns-same
 */
import type { Database, Queryable } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  SeatNotFoundError,
  SeatUnavailableError,
  type SeatReservation,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class RetryUnawareSeatService extends ConditionalUpdateSeatService {
  protected override async unclaimed(tx: Queryable, seat: string): Promise<SeatReservation> {
    const exists = await tx.get('SELECT 1 FROM seats WHERE seat_id = ?', seat);
    if (exists === undefined) throw new SeatNotFoundError(seat);
    throw new SeatUnavailableError(seat); // even when it is this user's own hold
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new RetryUnawareSeatService(db, holdMs, now);
}
