/**
 * Bug: confirm marks the seat sold but leaves its hold deadline in place, and the claim takes any
 * seat whose deadline has passed. Ten minutes after the sale the seat is on offer again and a
 * second buyer gets it.
 * Violates: reserve-sold-unavailable
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

class ExpiringSaleSeatService extends ConditionalUpdateSeatService {
  protected override async claim(tx: Queryable, row: ReservationRow, now: number): Promise<boolean> {
    const claimed = await tx.run(
      `UPDATE seats SET status = 'held', reservation_id = ?, user_id = ?, expires_at = ?
        WHERE seat_id = ? AND (status = 'available' OR expires_at <= ?)`, // sold seats too
      row.reservation_id,
      row.user_id,
      row.expires_at,
      row.seat_id,
      now,
    );
    return claimed.changes === 1;
  }

  protected override async sell(tx: Queryable, reservation: ReservationRow, now: number): Promise<boolean> {
    const sold = await tx.run(
      `UPDATE seats SET status = 'confirmed'
        WHERE seat_id = ? AND reservation_id = ? AND status = 'held' AND expires_at > ?`, // keeps expires_at
      reservation.seat_id,
      reservation.reservation_id,
      now,
    );
    return sold.changes === 1;
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new ExpiringSaleSeatService(db, holdMs, now);
}
