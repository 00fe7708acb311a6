/**
 * Bug: every failure is a plain Error with a message. The caller (an HTTP handler mapping outcomes
 * to 404, 409 or 410) cannot tell "someone else got the seat" from "no such seat" from "your hold
 * ran out" without parsing English.
 * Violates: error-classes
 * Rejected by: typed-errors, model-sequences
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import { createSeatService as createTypedSeatService, type SeatService, type SeatServiceOptions } from '../index.ts';

export {
  ReservationExpiredError,
  ReservationNotFoundError,
  SeatExistsError,
  SeatNotFoundError,
  SeatUnavailableError,
} from '../index.ts';

/** Rethrows any error as a bare Error carrying only its message. */
function plain<Args extends unknown[], T>(call: (...args: Args) => Promise<T>) {
  return async (...args: Args): Promise<T> => {
    try {
      return await call(...args);
    } catch (error) {
      throw new Error((error as Error).message);
    }
  };
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const service = createTypedSeatService(db, options);
  return {
    init: plain(() => service.init()),
    addSeats: plain((seatIds) => service.addSeats(seatIds)),
    reserveSeat: plain((seatId, userId) => service.reserveSeat(seatId, userId)),
    confirm: plain((reservationId) => service.confirm(reservationId)),
    release: plain((reservationId) => service.release(reservationId)),
    getSeat: plain((seatId) => service.getSeat(seatId)),
  };
}
