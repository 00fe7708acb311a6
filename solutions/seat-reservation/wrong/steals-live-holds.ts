/**
 * Bug: The claim takes any seat that is not sold: a live hold is overwritten by the next user who
 * asks, and the buyer who was paying finds at confirm that their hold is gone. (It still hands a
 * user their own hold back first.)
 * Violates: reserve-held-by-other
 * Rejected by: typed-errors
 */
import type { Database, Queryable } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  type ReservationRow,
  type SeatRow,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class StealingSeatService extends ConditionalUpdateSeatService {
  protected override async claim(tx: Queryable, row: ReservationRow, now: number): Promise<boolean> {
    const current = await tx.get<SeatRow>('SELECT * FROM seats WHERE seat_id = ?', row.seat_id);
    if (current?.status === 'held' && current.user_id === row.user_id && (current.expires_at ?? 0) > now) return false;
    const claimed = await tx.run(
      `UPDATE seats SET status = 'held', reservation_id = ?, user_id = ?, expires_at = ?
        WHERE seat_id = ? AND status <> 'confirmed'`, // a live hold of someone else is "not sold" too
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
  return new StealingSeatService(db, holdMs, now);
}
