/**
 * Bug: release marks the seat 'released' (to keep a trace of the failed payment) instead of
 * 'available', and the claim only takes available seats or expired holds. getSeat shows the seat
 * available, but after a failed payment nobody can hold it again, the user who released it included.
 * Violates: reserve-free-seat
 * Rejected by: same-user-after-hold-ended
 */
import type { Database, Queryable } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  SCHEMA,
  type ReservationRow,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

const TRACED_SCHEMA = SCHEMA.replace(
  "CHECK (status IN ('available', 'held', 'confirmed'))",
  "CHECK (status IN ('available', 'held', 'confirmed', 'released'))",
);

class TracedReleaseSeatService extends ConditionalUpdateSeatService {
  override async init(): Promise<void> {
    await this.db.exec(TRACED_SCHEMA);
  }

  protected override async free(tx: Queryable, reservation: ReservationRow, now: number): Promise<boolean> {
    const freed = await tx.run(
      `UPDATE seats SET status = 'released', expires_at = NULL
        WHERE seat_id = ? AND reservation_id = ? AND status = 'held' AND expires_at > ?`,
      reservation.seat_id,
      reservation.reservation_id,
      now,
    );
    return freed.changes === 1;
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new TracedReleaseSeatService(db, holdMs, now);
}
