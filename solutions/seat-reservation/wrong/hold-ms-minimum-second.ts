/**
 * Bug: holdMs below 1000 is refused as a RangeError ("a hold shorter than a second makes no sense").
 * The README accepts any positive integer; a test setup or a flash sale with a 500 ms hold cannot
 * even start.
 * Violates: hold-ms-any-positive-integer
 * Rejected by: hold-lengths
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import { ConditionalUpdateSeatService, parseSettings, type SeatService, type SeatServiceOptions } from '../index.ts';

export * from '../index.ts';

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  if (holdMs < 1000) throw new RangeError(`holdMs must be at least 1000 ms, received ${holdMs}`);
  return new ConditionalUpdateSeatService(db, holdMs, now);
}
