/**
 * Bug: release answers false for an id the service never issued, as if it were an old hold: a client
 * sending garbage ids (or another service's ids) is never told, and the bug that sends them hides.
 * Violates: release-unknown
 * Rejected by: typed-errors
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  ReservationNotFoundError,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class QuietReleaseSeatService extends ConditionalUpdateSeatService {
  override async release(reservationId: string): Promise<boolean> {
    try {
      return await super.release(reservationId);
    } catch (error) {
      if (error instanceof ReservationNotFoundError) return false;
      throw error;
    }
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new QuietReleaseSeatService(db, holdMs, now);
}
