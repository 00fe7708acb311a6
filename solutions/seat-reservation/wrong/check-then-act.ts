/**
 * Bug: reads the seat, decides in JavaScript, then writes, with an await between the read and the
 * write and nothing tying them together. All 1000 callers read "free" before the first one writes,
 * every one of them is told the seat is theirs, and the last writer's name is what stays on it.
 * Rejected by: one-winner, one-winner-across-instances, many-seats-many-users
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
} from '../contract.ts';
import { ConditionalUpdateSeatService, seatState, type SeatRow } from '../index.ts';

export {
  ReservationExpiredError,
  ReservationNotFoundError,
  SeatExistsError,
  SeatNotFoundError,
  SeatUnavailableError,
} from '../index.ts';

class CheckThenActSeatService extends ConditionalUpdateSeatService {
  override async reserveSeat(seatId: string, userId: string): Promise<SeatReservation> {
    const seat = this.id('seatId', seatId);
    const user = this.id('userId', userId);
    const now = this.now();
    const current = await this.db.get<SeatRow>('SELECT * FROM seats WHERE seat_id = ?', seat);
    if (current === undefined) throw new SeatNotFoundError(seat);
    const state = seatState(current, now);
    if (state.status !== 'available') {
      if (state.userId === user) return toReservation(await this.loadReservation(this.db, state.reservationId));
      throw new SeatUnavailableError(seat);
    }
    // By the time this runs, any number of other callers have read "available" too.
    const row: ReservationRow = {
      reservation_id: newReservationId(),
      seat_id: seat,
      user_id: user,
      created_at: now,
      expires_at: now + this.holdMs,
      status: 'held',
    };
    await this.db.run(
      "UPDATE seats SET status = 'held', reservation_id = ?, user_id = ?, expires_at = ? WHERE seat_id = ?",
      row.reservation_id,
      user,
      row.expires_at,
      seat,
    );
    await this.insertReservation(this.db, row);
    return toReservation(row);
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new CheckThenActSeatService(db, holdMs, now);
}
