/**
 * Bug: a seat that is not free is "unavailable", even to the user who holds it. A double-click or
 * a client retry after a timeout tells the buyer their own seat is gone, and the second request of
 * a storm fails while the first one succeeded.
 * Rejected by: retry-returns-same
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
import { ConditionalUpdateSeatService } from '../index.ts';

export {
  ReservationExpiredError,
  ReservationNotFoundError,
  SeatExistsError,
  SeatNotFoundError,
  SeatUnavailableError,
} from '../index.ts';

class RetryUnawareSeatService extends ConditionalUpdateSeatService {
  override async reserveSeat(seatId: string, userId: string): Promise<SeatReservation> {
    const seat = this.id('seatId', seatId);
    const user = this.id('userId', userId);
    return this.db.transaction(async (tx) => {
      const now = this.now();
      const row: ReservationRow = {
        reservation_id: newReservationId(),
        seat_id: seat,
        user_id: user,
        created_at: now,
        expires_at: now + this.holdMs,
        status: 'held',
      };
      const claimed = await tx.run(
        `UPDATE seats SET status = 'held', reservation_id = ?, user_id = ?, expires_at = ?
          WHERE seat_id = ? AND (status = 'available' OR (status = 'held' AND expires_at <= ?))`,
        row.reservation_id,
        user,
        row.expires_at,
        seat,
        now,
      );
      if (claimed.changes === 1) {
        await this.insertReservation(tx, row);
        return toReservation(row);
      }
      const exists = await tx.get('SELECT 1 FROM seats WHERE seat_id = ?', seat);
      if (exists === undefined) throw new SeatNotFoundError(seat);
      throw new SeatUnavailableError(seat); // even when it is this user's own hold
    });
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new RetryUnawareSeatService(db, holdMs, now);
}
