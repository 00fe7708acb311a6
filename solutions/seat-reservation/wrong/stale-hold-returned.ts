/**
 * Bug: reserveSeat looks for "this user's reservation on this seat" before anything else and hands it
 * back, live or not. A user whose hold expired retries and gets the dead reservation (its old
 * expiresAt, an id confirm will refuse) instead of a new hold on a seat that is free.
 * Violates: reserve-same-user-after-hold-ended
 * Rejected by: same-user-after-hold-ended, model-sequences
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  type SeatReservation,
  type SeatRow,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class StaleRetrySeatService extends ConditionalUpdateSeatService {
  override async reserveSeat(seatId: string, userId: string): Promise<SeatReservation> {
    const seat = this.id('seatId', seatId);
    const user = this.id('userId', userId);
    const current = await this.db.get<SeatRow>('SELECT * FROM seats WHERE seat_id = ?', seat);
    if (current?.user_id === user && current.reservation_id !== null) {
      return this.reservationOf(await this.loadReservation(this.db, current.reservation_id)); // expired or not
    }
    return super.reserveSeat(seat, user);
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new StaleRetrySeatService(db, holdMs, now);
}
