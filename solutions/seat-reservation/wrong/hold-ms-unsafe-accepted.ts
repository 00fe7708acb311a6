/**
 * Bug: holdMs is checked with Number.isInteger, so 2 ** 53 and 1e300 pass: past
 * Number.MAX_SAFE_INTEGER, `timestamp + holdMs` is rounded to the nearest representable number and a
 * deadline is no longer the exact millisecond the README promises (1e300 gives an Invalid Date).
 * Violates: bad-hold-ms
 * Rejected by: bad-input
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import { ConditionalUpdateSeatService, describeValue, type SeatService, type SeatServiceOptions } from '../index.ts';

export * from '../index.ts';

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = options;
  if (typeof db !== 'object' || db === null || typeof db.transaction !== 'function') {
    throw new TypeError(`db must be the kit's database handle, received ${describeValue(db)}`);
  }
  if (typeof holdMs !== 'number') throw new TypeError(`holdMs must be a number, received ${describeValue(holdMs)}`);
  if (!Number.isInteger(holdMs) || holdMs <= 0) {
    throw new RangeError(`holdMs must be a positive integer, received ${holdMs}`);
  }
  if (now !== undefined && typeof now !== 'function') {
    throw new TypeError(`now must be a function, received ${describeValue(now)}`);
  }
  return new ConditionalUpdateSeatService(db, holdMs, now ?? (() => Date.now()));
}
