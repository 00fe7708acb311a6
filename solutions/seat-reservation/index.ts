/**
 * Reference: the conditional update. The seat row is the single point of truth for who holds a
 * seat, and every change to it is one UPDATE whose WHERE clause states the precondition (free or
 * expired; this reservation, still held, not expired). The database evaluates the condition and
 * writes in one step, so 1000 callers cannot all see "free": one UPDATE changes a row, the other
 * 999 change nothing and read why. Nothing is decided in JavaScript between a read and a write,
 * nothing depends on the isolation level, and the same SQL is correct on PostgreSQL or MySQL at
 * READ COMMITTED, where the row lock an UPDATE takes makes the second UPDATE re-check the WHERE.
 *
 * A transaction still wraps each operation, for atomicity rather than for the race: claiming the
 * seat and writing the reservation's ledger row must commit together or not at all.
 */
import type { Database, Queryable } from '../../harness/kit/db/index.ts';
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
} from './contract.ts';

export {
  ReservationExpiredError,
  ReservationNotFoundError,
  SeatExistsError,
  SeatNotFoundError,
  SeatUnavailableError,
} from './contract.ts';
export type { SeatReservation, SeatService, SeatServiceOptions, SeatState } from './contract.ts';

/**
 * `seats` holds the live state of each seat, `reservations` the ledger of every hold ever made, so
 * an old reservation id can still be told apart from one that never existed. Both are keyed by
 * the ids the hot paths look up (WITHOUT ROWID: the primary key is the table's own B-tree).
 */
export const SCHEMA = `
  CREATE TABLE IF NOT EXISTS seats (
    seat_id        TEXT PRIMARY KEY,
    status         TEXT NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'held', 'confirmed')),
    reservation_id TEXT,
    user_id        TEXT,
    expires_at     INTEGER
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS reservations (
    reservation_id TEXT PRIMARY KEY,
    seat_id        TEXT NOT NULL REFERENCES seats (seat_id),
    user_id        TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('held', 'confirmed', 'released'))
  ) WITHOUT ROWID;
`;

/**
 * Correctness comes from the WHERE clauses, not from this mode. IMMEDIATE only tells SQLite up
 * front that the transaction will write, so writers queue at BEGIN instead of starting, colliding
 * on their first write (SQLITE_BUSY) and being run again: same answers, less wasted work.
 */
const WRITE = { mode: 'immediate' } as const;

export interface SeatRow {
  readonly seat_id: string;
  readonly status: 'available' | 'held' | 'confirmed';
  readonly reservation_id: string | null;
  readonly user_id: string | null;
  readonly expires_at: number | null;
}

export class ConditionalUpdateSeatService implements SeatService {
  constructor(
    protected readonly db: Database,
    protected readonly holdMs: number,
    protected readonly now: () => number,
  ) {}

  async init(): Promise<void> {
    await this.db.exec(SCHEMA);
  }

  async addSeats(seatIds: readonly string[]): Promise<void> {
    const ids = this.seatIdList(seatIds);
    if (ids.length === 0) return;
    const list = JSON.stringify(ids);
    await this.db.transaction(async (tx) => {
      const existing = await tx.all<{ seat_id: string }>(
        'SELECT seat_id FROM seats WHERE seat_id IN (SELECT value FROM json_each(?))',
        list,
      );
      if (existing.length > 0) throw new SeatExistsError(existing.map((row) => row.seat_id));
      await tx.run('INSERT INTO seats (seat_id) SELECT value FROM json_each(?)', list);
    }, WRITE);
  }

  async reserveSeat(seatId: string, userId: string): Promise<SeatReservation> {
    const seat = this.id('seatId', seatId);
    const user = this.id('userId', userId);
    return this.db.transaction(async (tx) => {
      const now = this.now();
      const row: ReservationRow = {
        reservation_id: newReservationId(),
        seat_id: seat,
        user_id: user,
        created_at: now,
        expires_at: now + this.holdMs,
        status: 'held',
      };
      // The whole decision is in the WHERE clause: free, or held by a hold that has run out.
      const claimed = await tx.run(
        `UPDATE seats SET status = 'held', reservation_id = ?, user_id = ?, expires_at = ?
          WHERE seat_id = ? AND (status = 'available' OR (status = 'held' AND expires_at <= ?))`,
        row.reservation_id,
        user,
        row.expires_at,
        seat,
        now,
      );
      if (claimed.changes === 1) {
        await this.insertReservation(tx, row);
        return toReservation(row);
      }
      // Nothing changed: find out why, for the caller.
      const current = await tx.get<SeatRow>('SELECT * FROM seats WHERE seat_id = ?', seat);
      if (current === undefined) throw new SeatNotFoundError(seat);
      if (current.user_id === user && current.reservation_id !== null) {
        return toReservation(await this.loadReservation(tx, current.reservation_id));
      }
      throw new SeatUnavailableError(seat);
    }, WRITE);
  }

  async confirm(reservationId: string): Promise<SeatReservation> {
    const id = this.id('reservationId', reservationId);
    return this.db.transaction(async (tx) => {
      const reservation = await this.loadReservation(tx, id);
      if (reservation.status === 'confirmed') return toReservation(reservation);
      // The reservation id is the fencing token: only this hold, still live, may become a sale.
      const sold = await tx.run(
        `UPDATE seats SET status = 'confirmed', expires_at = NULL
          WHERE seat_id = ? AND reservation_id = ? AND status = 'held' AND expires_at > ?`,
        reservation.seat_id,
        id,
        this.now(),
      );
      if (sold.changes === 0) throw new ReservationExpiredError(id);
      await tx.run("UPDATE reservations SET status = 'confirmed' WHERE reservation_id = ?", id);
      return toReservation(reservation, 'confirmed');
    }, WRITE);
  }

  async release(reservationId: string): Promise<boolean> {
    const id = this.id('reservationId', reservationId);
    return this.db.transaction(async (tx) => {
      const reservation = await this.loadReservation(tx, id);
      const freed = await tx.run(
        `UPDATE seats SET status = 'available', reservation_id = NULL, user_id = NULL, expires_at = NULL
          WHERE seat_id = ? AND reservation_id = ? AND status = 'held' AND expires_at > ?`,
        reservation.seat_id,
        id,
        this.now(),
      );
      if (freed.changes === 0) return false;
      await tx.run("UPDATE reservations SET status = 'released' WHERE reservation_id = ?", id);
      return true;
    }, WRITE);
  }

  async getSeat(seatId: string): Promise<SeatState> {
    const seat = this.id('seatId', seatId);
    const row = await this.db.get<SeatRow>('SELECT * FROM seats WHERE seat_id = ?', seat);
    if (row === undefined) throw new SeatNotFoundError(seat);
    return seatState(row, this.now());
  }

  /** Checks an id argument (seatId, userId, reservationId). */
  protected id(name: string, value: unknown): string {
    return requireId(name, value);
  }

  protected seatIdList(value: unknown): string[] {
    return requireSeatIds(value);
  }

  protected async insertReservation(db: Queryable, row: ReservationRow): Promise<void> {
    await db.run(
      `INSERT INTO reservations (reservation_id, seat_id, user_id, created_at, expires_at, status)
       VALUES (?, ?, ?, ?, ?, ?)`,
      row.reservation_id,
      row.seat_id,
      row.user_id,
      row.created_at,
      row.expires_at,
      row.status,
    );
  }

  protected async loadReservation(db: Queryable, reservationId: string): Promise<ReservationRow> {
    const row = await db.get<ReservationRow>('SELECT * FROM reservations WHERE reservation_id = ?', reservationId);
    if (row === undefined) throw new ReservationNotFoundError(reservationId);
    return row;
  }
}

/** What a seat row means at `now`: a hold past its expiry is simply a free seat. */
export function seatState(row: SeatRow, now: number): SeatState {
  const { seat_id: seatId, reservation_id: reservationId, user_id: userId, expires_at: expiresAt } = row;
  if (row.status === 'confirmed' && reservationId !== null && userId !== null) {
    return { seatId, status: 'confirmed', reservationId, userId };
  }
  if (row.status === 'held' && reservationId !== null && userId !== null && expiresAt !== null && expiresAt > now) {
    return { seatId, status: 'held', reservationId, userId, expiresAt: new Date(expiresAt) };
  }
  return { seatId, status: 'available' };
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new ConditionalUpdateSeatService(db, holdMs, now);
}
