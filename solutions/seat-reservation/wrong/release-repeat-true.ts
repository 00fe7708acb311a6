/**
 * Bug: release treats a seat that is already free as "released, fine" and says true again: the
 * second "payment failed" message for one hold reports that it freed the seat, and whoever refunds
 * on true refunds twice.
 * Violates: release-ended-is-false
 * Rejected by: release-frees-once
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

class RepeatReleaseSeatService extends ConditionalUpdateSeatService {
  protected override async free(tx: Queryable, reservation: ReservationRow, now: number): Promise<boolean> {
    const freed = await tx.run(
      `UPDATE seats SET status = 'available', reservation_id = NULL, user_id = NULL, expires_at = NULL
        WHERE seat_id = ? AND ((reservation_id = ? AND status = 'held' AND expires_at > ?) OR status = 'available')`,
      reservation.seat_id,
      reservation.reservation_id,
      now,
    );
    return freed.changes === 1;
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new RepeatReleaseSeatService(db, holdMs, now);
}
