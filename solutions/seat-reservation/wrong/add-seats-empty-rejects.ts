/**
 * Bug: addSeats rejects an empty list as bad input. The README says an empty list does nothing: a
 * venue sync that finds no new seats now fails every night.
 * Violates: add-seats-empty
 * Rejected by: add-seats-all-or-none
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import { ConditionalUpdateSeatService, parseSettings, type SeatService, type SeatServiceOptions } from '../index.ts';

export * from '../index.ts';

class NonEmptySeatService extends ConditionalUpdateSeatService {
  protected override seatIdList(value: unknown): string[] {
    const ids = super.seatIdList(value);
    if (ids.length === 0) throw new RangeError('seatIds must list at least one seat, received []');
    return ids;
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new NonEmptySeatService(db, holdMs, now);
}
