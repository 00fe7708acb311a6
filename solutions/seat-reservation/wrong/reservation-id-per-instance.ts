/**
 * Bug: Reservation ids come from a counter in the service object (rsv-1, rsv-2, ...). Each app
 * instance has its own counter, so the second instance issues rsv-1 again: its first hold collides
 * with the first instance's in the ledger and fails, or, with a looser schema, two holds share an id.
 * Violates: reservation-id-unique
 * Rejected by: second-instance, linearizable-across-instances
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  type ReservationRow,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class CountingSeatService extends ConditionalUpdateSeatService {
  private issued = 0;

  protected override newHold(seat: string, user: string, now: number): ReservationRow {
    return { ...super.newHold(seat, user, now), reservation_id: `rsv-${++this.issued}` };
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new CountingSeatService(db, holdMs, now);
}
