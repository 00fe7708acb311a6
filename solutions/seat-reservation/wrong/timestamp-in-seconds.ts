/**
 * Bug: The hold's creation time is stored in whole seconds (a habit from Unix timestamps) while its
 * expiry is computed from the exact now(): every reservation's timestamp is up to 999 ms early and
 * timestamp + holdMs is no longer expiresAt.
 * Violates: reservation-timestamp
 * Rejected by: seat-lifecycle, model-sequences
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

class SecondsSeatService extends ConditionalUpdateSeatService {
  protected override newHold(seat: string, user: string, now: number): ReservationRow {
    return { ...super.newHold(seat, user, now), created_at: Math.floor(now / 1000) * 1000 };
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new SecondsSeatService(db, holdMs, now);
}
