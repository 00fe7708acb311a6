/**
 * Bug: holdMs is refused above 8.64e15 ms, the largest span a Date can hold, so a valid safe
 * integer the README accepts (up to Number.MAX_SAFE_INTEGER, a hold that in practice never ends)
 * makes createSeatService throw.
 * Violates: hold-ms-any-positive-integer
 * Rejected by: hold-lengths
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import { ConditionalUpdateSeatService, parseSettings, type SeatService, type SeatServiceOptions } from '../index.ts';

export * from '../index.ts';

const LARGEST_DATE_SPAN_MS = 8.64e15;

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  if (holdMs > LARGEST_DATE_SPAN_MS) {
    throw new RangeError(`holdMs must be at most ${LARGEST_DATE_SPAN_MS}, received ${holdMs}`);
  }
  return new ConditionalUpdateSeatService(db, holdMs, now);
}
