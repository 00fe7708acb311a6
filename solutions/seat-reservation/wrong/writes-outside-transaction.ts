/**
 * Bug: The claim itself is a correct conditional UPDATE, but the seat update and the reservation's
 * ledger row (and each seat of addSeats) are separate autocommit statements. When the database
 * fails between them, or the instance dies there, the seat is held by a reservation that does not
 * exist (or half the seats are added), and nothing undoes it.
 * Violates: failures-leave-nothing
 * Rejected by: no-partial-state, model-sequences-with-faults, instance-dies-mid-call
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  SeatExistsError,
  type SeatReservation,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class AutocommitSeatService extends ConditionalUpdateSeatService {
  override async addSeats(seatIds: readonly string[]): Promise<void> {
    const ids = this.seatIdList(seatIds);
    const existing = await this.db.all<{ seat_id: string }>(
      'SELECT seat_id FROM seats WHERE seat_id IN (SELECT value FROM json_each(?))',
      JSON.stringify(ids),
    );
    if (existing.length > 0) throw new SeatExistsError(existing.map((row) => row.seat_id));
    for (const id of ids) await this.db.run('INSERT INTO seats (seat_id) VALUES (?)', id);
  }

  override async reserveSeat(seatId: string, userId: string): Promise<SeatReservation> {
    const seat = this.id('seatId', seatId);
    const user = this.id('userId', userId);
    const now = this.now();
    const row = this.newHold(seat, user, now);
    if (await this.claim(this.db, row, now)) {
      await this.insertReservation(this.db, row); // a failure here strands the claim above
      return this.reservationOf(row);
    }
    return this.unclaimed(this.db, seat, user);
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new AutocommitSeatService(db, holdMs, now);
}
