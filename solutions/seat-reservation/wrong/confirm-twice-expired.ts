/**
 * Bug: confirm has no answer for a reservation that is already confirmed: the guarded UPDATE finds no
 * live hold and reports it expired. The payment provider's retried "succeeded" webhook is told the
 * sale it made has expired.
 * Violates: confirm-again
 * Rejected by: retry-returns-same
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  ReservationExpiredError,
  type SeatReservation,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class OnceOnlyConfirmSeatService extends ConditionalUpdateSeatService {
  override async confirm(reservationId: string): Promise<SeatReservation> {
    const id = this.id('reservationId', reservationId);
    return this.db.transaction(async (tx) => {
      const reservation = await this.loadReservation(tx, id);
      if (!(await this.sell(tx, reservation, this.now()))) throw new ReservationExpiredError(id);
      await tx.run("UPDATE reservations SET status = 'confirmed' WHERE reservation_id = ?", id);
      return this.reservationOf(reservation, 'confirmed');
    });
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new OnceOnlyConfirmSeatService(db, holdMs, now);
}
