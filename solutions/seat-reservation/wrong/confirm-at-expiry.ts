/**
 * Bug: confirm accepts a hold while now() <= expiresAt: a payment that lands at exactly t + holdMs
 * buys a seat the service already shows as available (and may have handed to someone else).
 * Violates: hold-boundary
 * Rejected by: paused-holder-fenced, hold-lengths
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

class LateBoundarySeatService extends ConditionalUpdateSeatService {
  protected override async sell(tx: Queryable, reservation: ReservationRow, now: number): Promise<boolean> {
    const sold = await tx.run(
      `UPDATE seats SET status = 'confirmed', expires_at = NULL
        WHERE seat_id = ? AND reservation_id = ? AND status = 'held' AND expires_at >= ?`,
      reservation.seat_id,
      reservation.reservation_id,
      now,
    );
    return sold.changes === 1;
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new LateBoundarySeatService(db, holdMs, now);
}
