/**
 * Bug: confirm checks that the seat still carries this reservation but not that the hold is still
 * live. A buyer whose payment took longer than the hold gets a sale the service had already put
 * back on offer; the clock in the WHERE clause is what makes a hold a lease.
 * Violates: confirm-hold-over
 * Rejected by: paused-holder-fenced, typed-errors
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

class LateConfirmSeatService extends ConditionalUpdateSeatService {
  protected override async sell(tx: Queryable, reservation: ReservationRow): Promise<boolean> {
    const sold = await tx.run(
      `UPDATE seats SET status = 'confirmed', expires_at = NULL
        WHERE seat_id = ? AND reservation_id = ? AND status = 'held'`, // missing: AND expires_at > now
      reservation.seat_id,
      reservation.reservation_id,
    );
    return sold.changes === 1;
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new LateConfirmSeatService(db, holdMs, now);
}
