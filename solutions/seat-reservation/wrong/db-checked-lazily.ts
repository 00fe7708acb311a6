/**
 * Bug: createSeatService checks holdMs and now but not db: a service made with no database is handed
 * out, and the first call fails with "Cannot read properties of null", naming nothing.
 * Violates: bad-db
 * Rejected by: bad-input
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import { ConditionalUpdateSeatService, describeValue, type SeatService, type SeatServiceOptions } from '../index.ts';

export * from '../index.ts';

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = options;
  if (typeof holdMs !== 'number') throw new TypeError(`holdMs must be a number, received ${describeValue(holdMs)}`);
  if (!Number.isSafeInteger(holdMs) || holdMs <= 0) {
    throw new RangeError(`holdMs must be a positive integer, received ${holdMs}`);
  }
  if (now !== undefined && typeof now !== 'function') {
    throw new TypeError(`now must be a function, received ${describeValue(now)}`);
  }
  return new ConditionalUpdateSeatService(db, holdMs, now ?? (() => Date.now()));
}
