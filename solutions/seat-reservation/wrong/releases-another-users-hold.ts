/**
 * Bug: release frees "the seat of this reservation" without checking that the seat is still held by
 * this reservation. A repeated or late "payment failed" message (or a holder that paused past
 * its expiry) frees the hold of the next user, who then loses the seat they are paying for.
 * Violates: release-ended-is-false
 * Rejected by: release-frees-once, paused-holder-fenced
 */
import type { Database, Queryable } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  type ReservationRow,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class UnfencedReleaseSeatService extends ConditionalUpdateSeatService {
  protected override async free(tx: Queryable, reservation: ReservationRow): Promise<boolean> {
    const freed = await tx.run(
      `UPDATE seats SET status = 'available', reservation_id = NULL, user_id = NULL, expires_at = NULL
        WHERE seat_id = ? AND status = 'held'`, // whose hold? it does not ask
      reservation.seat_id,
    );
    return freed.changes === 1;
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new UnfencedReleaseSeatService(db, holdMs, now);
}
