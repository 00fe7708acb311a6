/**
 * Bug: the claim itself is a correct conditional UPDATE, but the seat update and the reservation's
 * ledger row (and each seat of addSeats) are separate autocommit statements. When the database
 * fails between them, the seat is held by a reservation that does not exist (or half the seats are
 * added), and nothing undoes it.
 * Rejected by: no-partial-state
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  newReservationId,
  parseSettings,
  SeatExistsError,
  SeatNotFoundError,
  SeatUnavailableError,
  toReservation,
  type ReservationRow,
  type SeatReservation,
  type SeatService,
  type SeatServiceOptions,
} from '../contract.ts';
import { ConditionalUpdateSeatService, type SeatRow } from '../index.ts';

export {
  ReservationExpiredError,
  ReservationNotFoundError,
  SeatExistsError,
  SeatNotFoundError,
  SeatUnavailableError,
} from '../index.ts';

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
    const row: ReservationRow = {
      reservation_id: newReservationId(),
      seat_id: seat,
      user_id: user,
      created_at: now,
      expires_at: now + this.holdMs,
      status: 'held',
    };
    const claimed = await this.db.run(
      `UPDATE seats SET status = 'held', reservation_id = ?, user_id = ?, expires_at = ?
        WHERE seat_id = ? AND (status = 'available' OR (status = 'held' AND expires_at <= ?))`,
      row.reservation_id,
      user,
      row.expires_at,
      seat,
      now,
    );
    if (claimed.changes === 1) {
      await this.insertReservation(this.db, row); // a failure here strands the claim above
      return toReservation(row);
    }
    const current = await this.db.get<SeatRow>('SELECT * FROM seats WHERE seat_id = ?', seat);
    if (current === undefined) throw new SeatNotFoundError(seat);
    if (current.user_id === user && current.reservation_id !== null) {
      return toReservation(await this.loadReservation(this.db, current.reservation_id));
    }
    throw new SeatUnavailableError(seat);
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new AutocommitSeatService(db, holdMs, now);
}
