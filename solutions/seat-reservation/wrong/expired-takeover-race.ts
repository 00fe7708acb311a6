/**
 * Bug: Free seats are claimed with a guarded UPDATE, but an expired hold is taken over by reading the
 * seat, checking the expiry in JavaScript and overwriting it unguarded. When a popular seat's hold
 * runs out, everyone waiting for it is told they got it.
 * Violates: reserve-exactly-one-winner
 * Rejected by: hold-expiry, linearizable-in-one-process
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  type SeatReservation,
  type SeatRow,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class TakeoverRaceSeatService extends ConditionalUpdateSeatService {
  override async reserveSeat(seatId: string, userId: string): Promise<SeatReservation> {
    const seat = this.id('seatId', seatId);
    const user = this.id('userId', userId);
    const now = this.now();
    const current = await this.db.get<SeatRow>('SELECT * FROM seats WHERE seat_id = ?', seat);
    if (current?.status !== 'held' || (current.expires_at ?? 0) > now) return super.reserveSeat(seat, user);
    // An expired hold: decided above, written below, nothing in between holds the seat.
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
  return new TakeoverRaceSeatService(db, holdMs, now);
}
