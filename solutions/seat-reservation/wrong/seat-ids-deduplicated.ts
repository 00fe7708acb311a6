/**
 * Bug: A seat listed twice in one addSeats call is silently added once, where the README asks for a
 * RangeError naming the id: the import that produced the duplicate never hears about it.
 * Violates: bad-seat-ids
 * Rejected by: bad-input
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import { ConditionalUpdateSeatService, parseSettings, type SeatService, type SeatServiceOptions } from '../index.ts';

export * from '../index.ts';

class DedupingSeatService extends ConditionalUpdateSeatService {
  protected override seatIdList(value: unknown): string[] {
    return super.seatIdList(Array.isArray(value) ? [...new Set(value)] : value);
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new DedupingSeatService(db, holdMs, now);
}
