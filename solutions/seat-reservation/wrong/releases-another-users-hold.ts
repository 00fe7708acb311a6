/**
 * Bug: release frees "the seat of this reservation" without checking that the seat is still held
 * by this reservation. A repeated or late "payment failed" message (or a holder that paused past
 * its expiry) frees the hold of the next user, who then loses the seat they are paying for.
 * Rejected by: paused-holder-fenced, release-frees-once
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import { parseSettings, type SeatService, type SeatServiceOptions } from '../contract.ts';
import { ConditionalUpdateSeatService } from '../index.ts';

export {
  ReservationExpiredError,
  ReservationNotFoundError,
  SeatExistsError,
  SeatNotFoundError,
  SeatUnavailableError,
} from '../index.ts';

class UnfencedReleaseSeatService extends ConditionalUpdateSeatService {
  override async release(reservationId: string): Promise<boolean> {
    const id = this.id('reservationId', reservationId);
    return this.db.transaction(async (tx) => {
      const reservation = await this.loadReservation(tx, id);
      const freed = await tx.run(
        `UPDATE seats SET status = 'available', reservation_id = NULL, user_id = NULL, expires_at = NULL
          WHERE seat_id = ? AND status = 'held'`, // whose hold? it does not ask
        reservation.seat_id,
      );
      if (freed.changes === 0) return false;
      await tx.run("UPDATE reservations SET status = 'released' WHERE reservation_id = ?", id);
      return true;
    });
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new UnfencedReleaseSeatService(db, holdMs, now);
}
