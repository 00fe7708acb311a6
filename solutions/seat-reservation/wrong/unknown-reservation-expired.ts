/**
 * Bug: confirm turns "no such reservation" into "your hold expired": a client with a corrupted or
 * forged id is told to start again instead of being told the id is wrong.
 * Violates: confirm-unknown
 * Rejected by: typed-errors
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  ReservationExpiredError,
  ReservationNotFoundError,
  type SeatReservation,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class ForgivingConfirmSeatService extends ConditionalUpdateSeatService {
  override async confirm(reservationId: string): Promise<SeatReservation> {
    try {
      return await super.confirm(reservationId);
    } catch (error) {
      if (error instanceof ReservationNotFoundError) throw new ReservationExpiredError(error.reservationId);
      throw error;
    }
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new ForgivingConfirmSeatService(db, holdMs, now);
}
