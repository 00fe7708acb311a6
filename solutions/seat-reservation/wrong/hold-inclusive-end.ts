/**
 * Bug: The claim takes a hold over only once now() is past its expiry (expires_at < now), so at
 * exactly t + holdMs the hold still blocks other users, while getSeat already reports the seat
 * available: off by one at the boundary.
 * Violates: hold-boundary
 * Rejected by: hold-expiry, paused-holder-fenced, hold-lengths
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

class InclusiveHoldSeatService extends ConditionalUpdateSeatService {
  protected override async claim(tx: Queryable, row: ReservationRow, now: number): Promise<boolean> {
    const claimed = await tx.run(
      `UPDATE seats SET status = 'held', reservation_id = ?, user_id = ?, expires_at = ?
        WHERE seat_id = ? AND (status = 'available' OR (status = 'held' AND expires_at < ?))`,
      row.reservation_id,
      row.user_id,
      row.expires_at,
      row.seat_id,
      now,
    );
    return claimed.changes === 1;
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new InclusiveHoldSeatService(db, holdMs, now);
}
