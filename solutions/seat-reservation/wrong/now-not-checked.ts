/**
 * Bug: now is used as given: createSeatService(db, { holdMs, now: 5 }) succeeds, and the first call
 * throws "this.now is not a function" far from the mistake.
 * Violates: bad-now
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
  if (!Number.isSafeInteger(holdMs) || holdMs <= 0) {
    throw new RangeError(`holdMs must be a positive integer, received ${holdMs}`);
  }
  return new ConditionalUpdateSeatService(db, holdMs, now ?? (() => Date.now()));
}
