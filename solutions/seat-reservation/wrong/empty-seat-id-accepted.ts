/**
 * Bug: Seat ids are checked to be strings but not to be non-empty: reserveSeat("") and getSeat("")
 * go to the database and come back "no such seat" instead of a RangeError naming seatId.
 * Violates: bad-seat-id
 * Rejected by: bad-input
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import { ConditionalUpdateSeatService, parseSettings, type SeatService, type SeatServiceOptions } from '../index.ts';

export * from '../index.ts';

class LaxSeatIdService extends ConditionalUpdateSeatService {
  protected override id(name: string, value: unknown): string {
    if (name === 'seatId' && value === '') return value;
    return super.id(name, value);
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new LaxSeatIdService(db, holdMs, now);
}
