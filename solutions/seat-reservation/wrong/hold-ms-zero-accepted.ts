/**
 * Bug: holdMs is checked with holdMs < 0, so 0 passes: every hold is expired the moment it is made,
 * and the seat any user "holds" is free for the next one at once.
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
  if (!Number.isSafeInteger(holdMs) || holdMs < 0) {
    throw new RangeError(`holdMs must be a positive integer, received ${holdMs}`);
  }
  if (now !== undefined && typeof now !== 'function') {
    throw new TypeError(`now must be a function, received ${describeValue(now)}`);
  }
  return new ConditionalUpdateSeatService(db, holdMs, now ?? (() => Date.now()));
}
