/**
 * Bug: release keeps the last holder on the seat row for the audit trail (status 'available', the
 * reservation id still there), and confirm checks the reservation id and the clock but not that
 * the seat is still held. A payment that succeeds after its hold was released sells the seat anyway.
 * Violates: confirm-hold-over
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

class UnheldSaleSeatService extends ConditionalUpdateSeatService {
  protected override async free(tx: Queryable, reservation: ReservationRow, now: number): Promise<boolean> {
    const freed = await tx.run(
      `UPDATE seats SET status = 'available'
        WHERE seat_id = ? AND reservation_id = ? AND status = 'held' AND expires_at > ?`,
      reservation.seat_id,
      reservation.reservation_id,
      now,
    );
    return freed.changes === 1;
  }

  protected override async sell(tx: Queryable, reservation: ReservationRow, now: number): Promise<boolean> {
    const sold = await tx.run(
      `UPDATE seats SET status = 'confirmed', expires_at = NULL
        WHERE seat_id = ? AND reservation_id = ? AND expires_at > ?`, // missing: AND status = 'held'
      reservation.seat_id,
      reservation.reservation_id,
      now,
    );
    return sold.changes === 1;
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new UnheldSaleSeatService(db, holdMs, now);
}
