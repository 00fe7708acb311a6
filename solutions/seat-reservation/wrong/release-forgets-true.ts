/**
 * Bug: release frees the seat but never says so: the success path falls off the end of the function
 * and resolves undefined. The caller that refunds or notifies only on true does neither.
 * Violates: release-live-hold
 * Rejected by: release-frees-once
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import { ConditionalUpdateSeatService, parseSettings, type SeatService, type SeatServiceOptions } from '../index.ts';

export * from '../index.ts';

class SilentReleaseSeatService extends ConditionalUpdateSeatService {
  override async release(reservationId: string): Promise<boolean> {
    const id = this.id('reservationId', reservationId);
    return this.db.transaction(async (tx) => {
      const reservation = await this.loadReservation(tx, id);
      if (!(await this.free(tx, reservation, this.now()))) return false;
      await tx.run("UPDATE reservations SET status = 'released' WHERE reservation_id = ?", id);
      return undefined as unknown as boolean; // forgot: return true
    });
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new SilentReleaseSeatService(db, holdMs, now);
}
