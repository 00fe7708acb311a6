/**
 * Bug: Reads the seat, decides in JavaScript, then writes, with an await between the read and the
 * write and nothing tying them together. All 1000 callers read "free" before the first one writes,
 * every one of them is told the seat is theirs, and the last writer's name is what stays on it.
 * Violates: reserve-exactly-one-winner
 * Rejected by: one-winner, one-winner-across-instances, many-seats-many-users, hold-expiry, linearizable-in-one-process
 */
import type { Database } from '../../../harness/kit/db/index.ts';
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

class CheckThenActSeatService extends ConditionalUpdateSeatService {
  override async reserveSeat(seatId: string, userId: string): Promise<SeatReservation> {
    const seat = this.id('seatId', seatId);
    const user = this.id('userId', userId);
    const now = this.now();
    const current = await this.db.get<SeatRow>('SELECT * FROM seats WHERE seat_id = ?', seat);
    if (current === undefined) throw new SeatNotFoundError(seat);
    const state = this.stateOf(current, now);
    if (state.status !== 'available') {
      if (state.userId === user) return this.reservationOf(await this.loadReservation(this.db, state.reservationId));
      throw new SeatUnavailableError(seat);
    }
    // By the time this runs, any number of other callers have read "available" too.
    const row = this.newHold(seat, user, now);
    await this.db.transaction(async (tx) => {
      await tx.run(
        "UPDATE seats SET status = 'held', reservation_id = ?, user_id = ?, expires_at = ? WHERE seat_id = ?",
        row.reservation_id,
        user,
        row.expires_at,
        seat,
      );
      await this.insertReservation(tx, row);
    });
    return this.reservationOf(row);
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new CheckThenActSeatService(db, holdMs, now);
}
