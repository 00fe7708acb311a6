/**
 * Bug: holdMs is capped at 2^31 - 1 ms (about 24.8 days, setTimeout's limit, copied from a timer-based
 * design), so a long hold the operator configured ends weeks early and the seat goes back on sale.
 * Violates: hold-ms-any-positive-integer
 * Rejected by: hold-lengths
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import { ConditionalUpdateSeatService, parseSettings, type SeatService, type SeatServiceOptions } from '../index.ts';

export * from '../index.ts';

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new ConditionalUpdateSeatService(db, Math.min(holdMs, 2 ** 31 - 1), now);
}
