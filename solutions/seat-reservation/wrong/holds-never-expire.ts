/**
 * Bug: A hold is forever. The claim only takes seats whose status is 'available', so a user who
 * abandons checkout (closed tab, failed card, crashed phone) keeps the seat off sale until someone
 * releases it by hand, although getSeat already shows it available.
 * Violates: reserve-free-seat
 * Rejected by: hold-expiry, same-user-after-hold-ended
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

class EverlastingHoldSeatService extends ConditionalUpdateSeatService {
  protected override async claim(tx: Queryable, row: ReservationRow): Promise<boolean> {
    const claimed = await tx.run(
      `UPDATE seats SET status = 'held', reservation_id = ?, user_id = ?, expires_at = ?
        WHERE seat_id = ? AND status = 'available'`, // an expired hold is never taken over
      row.reservation_id,
      row.user_id,
      row.expires_at,
      row.seat_id,
    );
    return claimed.changes === 1;
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new EverlastingHoldSeatService(db, holdMs, now);
}
