/**
 * Bug: The reservation's expiresAt is handed out as the stored number of epoch milliseconds instead of
 * a Date: right value, wrong type, and a caller's expiresAt.getTime() throws.
 * Violates: reservation-expires-at
 * Rejected by: seat-lifecycle, hold-lengths
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  type ReservationRow,
  type SeatReservation,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class NumericExpirySeatService extends ConditionalUpdateSeatService {
  protected override reservationOf(row: ReservationRow, status?: 'held' | 'confirmed'): SeatReservation {
    return { ...super.reservationOf(row, status), expiresAt: row.expires_at as unknown as Date };
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new NumericExpirySeatService(db, holdMs, now);
}
