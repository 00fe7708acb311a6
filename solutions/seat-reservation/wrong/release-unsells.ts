/**
 * Bug: release frees the seat for a confirmed reservation too (a refund, as its author saw it): a
 * late "payment failed" message for a sale puts the sold seat back on offer and the buyer loses it.
 * Violates: release-ended-is-false
 * Rejected by: seat-lifecycle
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

class RefundingSeatService extends ConditionalUpdateSeatService {
  protected override async free(tx: Queryable, reservation: ReservationRow, now: number): Promise<boolean> {
    const freed = await tx.run(
      `UPDATE seats SET status = 'available', reservation_id = NULL, user_id = NULL, expires_at = NULL
        WHERE seat_id = ? AND reservation_id = ? AND (status = 'confirmed' OR (status = 'held' AND expires_at > ?))`,
      reservation.seat_id,
      reservation.reservation_id,
      now,
    );
    return freed.changes === 1;
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new RefundingSeatService(db, holdMs, now);
}
