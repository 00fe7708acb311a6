/**
 * Variant: the pessimistic lock. Each write path runs in a transaction that takes SQLite's write
 * lock at BEGIN (`mode: 'immediate'`), so the plain read-decide-write that races everywhere else is
 * safe here: no other writer, in this process or any other instance, can run between the read and
 * the write. This is SQLite's answer to SELECT ... FOR UPDATE, with one difference that matters:
 * the lock covers the whole database, not one row, so writers to different seats queue too.
 *
 * There is no seat state to keep in step: a seat's holder is its live reservation (confirmed, or
 * held and not yet expired), found through an index on (seat_id, status).
 */
import type { Database, Queryable } from '../../../harness/kit/db/index.ts';
import {
  newReservationId,
  parseSettings,
  requireId,
  requireSeatIds,
  ReservationExpiredError,
  ReservationNotFoundError,
  SeatExistsError,
  SeatNotFoundError,
  SeatUnavailableError,
  toReservation,
  type ReservationRow,
  type SeatReservation,
  type SeatService,
  type SeatServiceOptions,
  type SeatState,
} from '../contract.ts';

export {
  ReservationExpiredError,
  ReservationNotFoundError,
  SeatExistsError,
  SeatNotFoundError,
  SeatUnavailableError,
} from '../contract.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS seats (seat_id TEXT PRIMARY KEY) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS reservations (
    reservation_id TEXT PRIMARY KEY,
    seat_id        TEXT NOT NULL REFERENCES seats (seat_id),
    user_id        TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('held', 'confirmed', 'released'))
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS reservations_by_seat ON reservations (seat_id, status);
`;

const IMMEDIATE = { mode: 'immediate' } as const;

class ImmediateTransactionSeatService implements SeatService {
  constructor(
    private readonly db: Database,
    private readonly holdMs: number,
    private readonly now: () => number,
  ) {}

  async init(): Promise<void> {
    await this.db.exec(SCHEMA);
  }

  async addSeats(seatIds: readonly string[]): Promise<void> {
    const ids = requireSeatIds(seatIds);
    await this.db.transaction(async (tx) => {
      const existing: string[] = [];
      for (const id of ids) {
        if (await tx.get('SELECT 1 FROM seats WHERE seat_id = ?', id)) existing.push(id);
      }
      if (existing.length > 0) throw new SeatExistsError(existing);
      for (const id of ids) await tx.run('INSERT INTO seats (seat_id) VALUES (?)', id);
    }, IMMEDIATE);
  }

  async reserveSeat(seatId: string, userId: string): Promise<SeatReservation> {
    const seat = requireId('seatId', seatId);
    const user = requireId('userId', userId);
    return this.db.transaction(async (tx) => {
      const now = this.now();
      await this.requireSeat(tx, seat);
      const live = await this.liveReservation(tx, seat, now);
      if (live !== undefined) {
        if (live.user_id === user) return toReservation(live);
        throw new SeatUnavailableError(seat);
      }
      // Safe only because the write lock has been ours since BEGIN.
      const row: ReservationRow = {
        reservation_id: newReservationId(),
        seat_id: seat,
        user_id: user,
        created_at: now,
        expires_at: now + this.holdMs,
        status: 'held',
      };
      await tx.run(
        `INSERT INTO reservations (reservation_id, seat_id, user_id, created_at, expires_at, status)
         VALUES (?, ?, ?, ?, ?, ?)`,
        row.reservation_id,
        row.seat_id,
        row.user_id,
        row.created_at,
        row.expires_at,
        row.status,
      );
      return toReservation(row);
    }, IMMEDIATE);
  }

  async confirm(reservationId: string): Promise<SeatReservation> {
    const id = requireId('reservationId', reservationId);
    return this.db.transaction(async (tx) => {
      const reservation = await this.reservation(tx, id);
      if (reservation.status === 'confirmed') return toReservation(reservation);
      if (!isLiveHold(reservation, this.now())) throw new ReservationExpiredError(id);
      await tx.run("UPDATE reservations SET status = 'confirmed' WHERE reservation_id = ?", id);
      return toReservation(reservation, 'confirmed');
    }, IMMEDIATE);
  }

  async release(reservationId: string): Promise<boolean> {
    const id = requireId('reservationId', reservationId);
    return this.db.transaction(async (tx) => {
      const reservation = await this.reservation(tx, id);
      if (!isLiveHold(reservation, this.now())) return false;
      await tx.run("UPDATE reservations SET status = 'released' WHERE reservation_id = ?", id);
      return true;
    }, IMMEDIATE);
  }

  async getSeat(seatId: string): Promise<SeatState> {
    const seat = requireId('seatId', seatId);
    // One read transaction: the seat check and the reservation lookup see the same snapshot.
    return this.db.transaction(async (tx) => {
      await this.requireSeat(tx, seat);
      const live = await this.liveReservation(tx, seat, this.now());
      if (live === undefined) return { seatId: seat, status: 'available' };
      if (live.status === 'confirmed') {
        return { seatId: seat, status: 'confirmed', reservationId: live.reservation_id, userId: live.user_id };
      }
      return {
        seatId: seat,
        status: 'held',
        reservationId: live.reservation_id,
        userId: live.user_id,
        expiresAt: new Date(live.expires_at),
      };
    });
  }

  private async requireSeat(db: Queryable, seatId: string): Promise<void> {
    if ((await db.get('SELECT 1 FROM seats WHERE seat_id = ?', seatId)) === undefined) {
      throw new SeatNotFoundError(seatId);
    }
  }

  /** The sale, or the hold that has not run out, on this seat. */
  private liveReservation(db: Queryable, seatId: string, now: number): Promise<ReservationRow | undefined> {
    return db.get<ReservationRow>(
      `SELECT * FROM reservations
        WHERE seat_id = ? AND (status = 'confirmed' OR (status = 'held' AND expires_at > ?))`,
      seatId,
      now,
    );
  }

  private async reservation(db: Queryable, reservationId: string): Promise<ReservationRow> {
    const row = await db.get<ReservationRow>('SELECT * FROM reservations WHERE reservation_id = ?', reservationId);
    if (row === undefined) throw new ReservationNotFoundError(reservationId);
    return row;
  }
}

/** A held reservation that has not run out is by construction the seat's live one. */
function isLiveHold(reservation: ReservationRow, now: number): boolean {
  return reservation.status === 'held' && reservation.expires_at > now;
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new ImmediateTransactionSeatService(db, holdMs, now);
}
