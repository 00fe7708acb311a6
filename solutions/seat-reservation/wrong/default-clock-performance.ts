/**
 * Bug: Without a now option the clock defaults to performance.now(): milliseconds since the process
 * started, not since 1970. Every hold's timestamp is in January 1970 and a hold made by one
 * instance is read by another with a different clock.
 * Violates: now-default
 * Rejected by: default-clock
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import { ConditionalUpdateSeatService, parseSettings, type SeatService, type SeatServiceOptions } from '../index.ts';

export * from '../index.ts';

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs } = parseSettings(db, options);
  return new ConditionalUpdateSeatService(db, holdMs, options.now ?? (() => performance.now()));
}
