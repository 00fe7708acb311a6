/**
 * Bug: confirm reads the reservation, and when its guarded UPDATE of the seat changes nothing it
 * concludes "expired" from that earlier read: of two concurrent confirms of one live hold, the
 * second is told ReservationExpiredError about a seat its own hold has just bought.
 * Violates: confirm-again
 * Rejected by: retry-returns-same, linearizable-in-one-process
 *
 * Why only PostgreSQL: this is the SQLite reference's confirm, correct there because each
 * transaction sees one snapshot and one that read before another writer committed is rerun by the
 * kit (SQLITE_BUSY_SNAPSHOT): the rerun reads the reservation confirmed. At READ COMMITTED each
 * statement sees what was committed when it began: the SELECT saw the hold, the UPDATE waited for
 * the other confirm's row lock and then saw the sale. The two reads come from different moments,
 * so "the UPDATE changed nothing" must be explained by reading again (the base's `unsold`).
 */
import type { Database, Queryable } from '../../../harness/kit/db/index.ts';
import {
  parseSettings,
  PortableSeatService,
  ReservationExpiredError,
  type ReservationRow,
  type SeatReservation,
  type SeatService,
  type SeatServiceOptions,
} from '../postgres/conditional-update.ts';

export * from '../postgres/conditional-update.ts';

class StaleConfirmSeatService extends PortableSeatService {
  protected override unsold(_tx: Queryable, reservation: ReservationRow): Promise<SeatReservation> {
    // The reservation said 'held' when it was read, so the sale must have been lost to expiry.
    return Promise.reject(new ReservationExpiredError(reservation.reservation_id));
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new StaleConfirmSeatService(db, holdMs, now);
}
