/**
 * Bug: The hold's timestamp is taken from Date.now() instead of the injected now(), while the expiry
 * uses now(): with any clock but the wall clock (a test, a replay, a clock synchronised across
 * instances) the timestamp is another moment than the hold's.
 * Violates: now-injected-only
 * Rejected by: hold-lengths
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  type ReservationRow,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class WallClockSeatService extends ConditionalUpdateSeatService {
  protected override newHold(seat: string, user: string, now: number): ReservationRow {
    return { ...super.newHold(seat, user, now), created_at: Date.now() };
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new WallClockSeatService(db, holdMs, now);
}
