/**
 * Bug: getSeat reports the row's status without looking at the clock: an expired hold still reads
 * 'held' (with an expiresAt in the past), although anyone who tries to reserve the seat gets it.
 * Violates: get-seat-expired-is-available
 * Rejected by: hold-expiry, seat-lifecycle
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  type SeatRow,
  type SeatState,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class ClocklessReadSeatService extends ConditionalUpdateSeatService {
  protected override stateOf(row: SeatRow, now: number): SeatState {
    if (row.status === 'held' && row.reservation_id !== null && row.user_id !== null) {
      return {
        seatId: row.seat_id,
        status: 'held',
        reservationId: row.reservation_id,
        userId: row.user_id,
        expiresAt: new Date(row.expires_at ?? now),
      };
    }
    return super.stateOf(row, now);
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new ClocklessReadSeatService(db, holdMs, now);
}
