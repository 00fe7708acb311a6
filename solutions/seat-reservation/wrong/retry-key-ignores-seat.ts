/**
 * Bug: Treats "this user already has a live hold" as a retry, whatever seat it is on. A user who
 * holds A1 and asks for A2 is handed their A1 reservation back and told it is done: idempotency
 * keyed on too little.
 * Violates: reservation-names-seat-and-user
 * Rejected by: many-seats-many-users, seat-lifecycle
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  type ReservationRow,
  type SeatReservation,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class UserKeyedSeatService extends ConditionalUpdateSeatService {
  override async init(): Promise<void> {
    await super.init();
    await this.db.exec('CREATE INDEX IF NOT EXISTS reservations_by_user ON reservations (user_id, status)');
  }

  override async reserveSeat(seatId: string, userId: string): Promise<SeatReservation> {
    this.id('seatId', seatId);
    const user = this.id('userId', userId);
    const existing = await this.db.get<ReservationRow>(
      "SELECT * FROM reservations WHERE user_id = ? AND status = 'held' AND expires_at > ?", // which seat?
      user,
      this.now(),
    );
    if (existing !== undefined) return this.reservationOf(existing);
    return super.reserveSeat(seatId, userId);
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new UserKeyedSeatService(db, holdMs, now);
}
