/**
 * Bug: treats "this user already has a live hold" as a retry, whatever seat it is on. A user who
 * holds A1 and asks for A2 is handed their A1 reservation back and told it is done: idempotency
 * keyed on too little.
 * Rejected by: many-seats-many-users
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  parseSettings,
  toReservation,
  type ReservationRow,
  type SeatReservation,
  type SeatService,
  type SeatServiceOptions,
} from '../contract.ts';
import { ConditionalUpdateSeatService } from '../index.ts';

export {
  ReservationExpiredError,
  ReservationNotFoundError,
  SeatExistsError,
  SeatNotFoundError,
  SeatUnavailableError,
} from '../index.ts';

class UserKeyedSeatService extends ConditionalUpdateSeatService {
  override async reserveSeat(seatId: string, userId: string): Promise<SeatReservation> {
    const user = this.id('userId', userId);
    const existing = await this.db.get<ReservationRow>(
      "SELECT * FROM reservations WHERE user_id = ? AND status = 'held' AND expires_at > ?", // which seat?
      user,
      this.now(),
    );
    if (existing !== undefined) return toReservation(existing);
    return super.reserveSeat(seatId, userId);
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new UserKeyedSeatService(db, holdMs, now);
}
