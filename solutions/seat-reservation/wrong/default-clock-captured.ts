/**
 * Bug: Without a now option the service keeps the Date.now function it saw when it was created,
 * instead of reading Date.now at each call: once Date.now is replaced (fake timers installed after
 * the service, a spy swapped between calls), every timestamp and expiry follows the old clock.
 * Violates: now-default
 * Rejected by: default-clock
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import { ConditionalUpdateSeatService, parseSettings, type SeatService, type SeatServiceOptions } from '../index.ts';

export * from '../index.ts';

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs } = parseSettings(db, options);
  return new ConditionalUpdateSeatService(db, holdMs, options.now ?? Date.now);
}
