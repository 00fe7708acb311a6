/**
 * Bug: The same-user check compares user ids without case ("Alice" and "alice" are one person to it):
 * 'alice' asking for the seat Alice holds is handed Alice's reservation, id and all, and may then
 * confirm or release it. Ids are opaque; they are compared exactly.
 * Violates: ids-opaque
 * Rejected by: opaque-ids
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

class CaseBlindSeatService extends ConditionalUpdateSeatService {
  protected override async unclaimed(tx: Queryable, seat: string, user: string): Promise<SeatReservation> {
    const current = await tx.get<SeatRow>('SELECT * FROM seats WHERE seat_id = ?', seat);
    if (current === undefined) throw new SeatNotFoundError(seat);
    if (current.user_id?.toLowerCase() === user.toLowerCase() && current.reservation_id !== null) {
      return this.reservationOf(await this.loadReservation(tx, current.reservation_id));
    }
    throw new SeatUnavailableError(seat);
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new CaseBlindSeatService(db, holdMs, now);
}
