/**
 * Variant: let a unique index say no. A partial unique index allows at most one live reservation
 * (held or confirmed) per seat, so a hold is simply an INSERT: of 1000 concurrent inserts for one
 * seat, the database accepts one and answers SQLITE_CONSTRAINT_UNIQUE to the rest, whatever the
 * application got wrong in between. The invariant lives in the schema, where every instance and
 * every future code path is bound by it.
 *
 * The price: an index cannot see the clock, so a hold that has run out still occupies the index
 * until something retires it. reserveSeat retires the seat's expired hold first, in the same
 * transaction as its insert.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../../../harness/kit/db/index.ts';

// The API (the stub's types and error classes), input validation and row mapping: the same in
// every solution, copied so that this file stands alone as a candidate's index.ts.
export interface SeatReservation {
  readonly reservationId: string;
  readonly seatId: string;
  readonly userId: string;
  readonly timestamp: Date;
  readonly expiresAt: Date;
  readonly status: 'held' | 'confirmed';
}

export type SeatState =
  | { readonly seatId: string; readonly status: 'available' }
  | {
      readonly seatId: string;
      readonly status: 'held';
      readonly reservationId: string;
      readonly userId: string;
      readonly expiresAt: Date;
    }
  | { readonly seatId: string; readonly status: 'confirmed'; readonly reservationId: string; readonly userId: string };

export interface SeatServiceOptions {
  readonly holdMs: number;
  readonly now?: () => number;
}

export interface SeatService {
  init(): Promise<void>;
  addSeats(seatIds: readonly string[]): Promise<void>;
  reserveSeat(seatId: string, userId: string): Promise<SeatReservation>;
  confirm(reservationId: string): Promise<SeatReservation>;
  release(reservationId: string): Promise<boolean>;
  getSeat(seatId: string): Promise<SeatState>;
}

export class SeatUnavailableError extends Error {
  readonly code = 'SEAT_UNAVAILABLE';

  constructor(readonly seatId: string) {
    super(`seat ${seatId} is not available`);
    this.name = 'SeatUnavailableError';
  }
}

export class SeatNotFoundError extends Error {
  readonly code = 'SEAT_NOT_FOUND';

  constructor(readonly seatId: string) {
    super(`there is no seat ${seatId}`);
    this.name = 'SeatNotFoundError';
  }
}

export class SeatExistsError extends Error {
  readonly code = 'SEAT_EXISTS';

  constructor(readonly seatIds: readonly string[]) {
    super(`seat(s) already exist: ${seatIds.join(', ')}`);
    this.name = 'SeatExistsError';
  }
}

export class ReservationNotFoundError extends Error {
  readonly code = 'RESERVATION_NOT_FOUND';

  constructor(readonly reservationId: string) {
    super(`there is no reservation ${reservationId}`);
    this.name = 'ReservationNotFoundError';
  }
}

export class ReservationExpiredError extends Error {
  readonly code = 'RESERVATION_EXPIRED';

  constructor(readonly reservationId: string) {
    super(`reservation ${reservationId} is no longer held`);
    this.name = 'ReservationExpiredError';
  }
}

/** The options every solution accepts, checked. */
export interface ServiceSettings {
  readonly db: Database;
  readonly holdMs: number;
  readonly now: () => number;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  return `${typeof value} ${String(value)}`;
}

export function parseSettings(db: unknown, options: unknown): ServiceSettings {
  const handle = db as Partial<Database> | null;
  if (
    typeof handle !== 'object' ||
    handle === null ||
    typeof handle.transaction !== 'function' ||
    typeof handle.run !== 'function'
  ) {
    throw new TypeError(`db must be the kit's database handle, received ${describeValue(db)}`);
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options must be an object with holdMs, received ${describeValue(options)}`);
  }
  const { holdMs, now } = options as { holdMs?: unknown; now?: unknown };
  if (typeof holdMs !== 'number') {
    throw new TypeError(`holdMs must be a number of milliseconds, received ${describeValue(holdMs)}`);
  }
  if (!Number.isSafeInteger(holdMs) || holdMs <= 0) {
    throw new RangeError(`holdMs must be a positive integer number of milliseconds, received ${holdMs}`);
  }
  if (now !== undefined && typeof now !== 'function') {
    throw new TypeError(`now must be a function returning epoch milliseconds, received ${describeValue(now)}`);
  }
  return { db: handle as Database, holdMs, now: (now as (() => number) | undefined) ?? (() => Date.now()) };
}

/** A seat, user or reservation id: a non-empty string. */
export function requireId(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, received ${describeValue(value)}`);
  if (value === '') throw new RangeError(`${name} must not be empty, received ""`);
  return value;
}

export function requireSeatIds(value: unknown): string[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`seatIds must be an array of seat ids, received ${describeValue(value)}`);
  }
  const seen = new Set<string>();
  return value.map((item: unknown, index) => {
    const seatId = requireId(`seatIds[${index}] (a seatId)`, item);
    if (seen.has(seatId)) throw new RangeError(`seatIds lists ${JSON.stringify(seatId)} more than once`);
    seen.add(seatId);
    return seatId;
  });
}

export function newReservationId(): string {
  return `rsv_${randomUUID()}`;
}

/** A reservation as stored: times in epoch milliseconds. */
export interface ReservationRow {
  readonly reservation_id: string;
  readonly seat_id: string;
  readonly user_id: string;
  readonly created_at: number;
  readonly expires_at: number;
  readonly status: string;
}

export function toReservation(
  row: ReservationRow,
  status: 'held' | 'confirmed' = asStatus(row.status),
): SeatReservation {
  return {
    reservationId: row.reservation_id,
    seatId: row.seat_id,
    userId: row.user_id,
    timestamp: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    status,
  };
}

function asStatus(status: string): 'held' | 'confirmed' {
  return status === 'confirmed' ? 'confirmed' : 'held';
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS seats (seat_id TEXT PRIMARY KEY) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS reservations (
    reservation_id TEXT PRIMARY KEY,
    seat_id        TEXT NOT NULL REFERENCES seats (seat_id),
    user_id        TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('held', 'confirmed', 'released', 'expired'))
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX IF NOT EXISTS one_live_reservation_per_seat
    ON reservations (seat_id) WHERE status IN ('held', 'confirmed');
`;

/**
 * SQLite uses a partial index only when the query repeats the index's WHERE term verbatim, so
 * every lookup of a seat's live reservation says it, even where a narrower condition follows.
 */
const LIVE = "status IN ('held', 'confirmed')";

class UniqueConstraintSeatService implements SeatService {
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
    const list = JSON.stringify(ids);
    await this.db.transaction(async (tx) => {
      const existing = await tx.all<{ seat_id: string }>(
        'SELECT seat_id FROM seats WHERE seat_id IN (SELECT value FROM json_each(?))',
        list,
      );
      if (existing.length > 0) throw new SeatExistsError(existing.map((row) => row.seat_id));
      await tx.run('INSERT INTO seats (seat_id) SELECT value FROM json_each(?)', list);
    });
  }

  async reserveSeat(seatId: string, userId: string): Promise<SeatReservation> {
    const seat = requireId('seatId', seatId);
    const user = requireId('userId', userId);
    return this.db.transaction(async (tx) => {
      const now = this.now();
      await tx.run(
        `UPDATE reservations SET status = 'expired'
          WHERE seat_id = ? AND ${LIVE} AND status = 'held' AND expires_at <= ?`,
        seat,
        now,
      );
      const row: ReservationRow = {
        reservation_id: newReservationId(),
        seat_id: seat,
        user_id: user,
        created_at: now,
        expires_at: now + this.holdMs,
        status: 'held',
      };
      try {
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
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new SeatNotFoundError(seat);
        if (code !== 'SQLITE_CONSTRAINT_UNIQUE') throw error;
      }
      const live = await this.liveReservation(tx, seat);
      if (live !== undefined && live.user_id === user) return toReservation(live);
      throw new SeatUnavailableError(seat);
    });
  }

  async confirm(reservationId: string): Promise<SeatReservation> {
    const id = requireId('reservationId', reservationId);
    return this.db.transaction(async (tx) => {
      const sold = await tx.run(
        "UPDATE reservations SET status = 'confirmed' WHERE reservation_id = ? AND status = 'held' AND expires_at > ?",
        id,
        this.now(),
      );
      const reservation = await this.reservation(tx, id);
      if (sold.changes === 1 || reservation.status === 'confirmed') return toReservation(reservation, 'confirmed');
      throw new ReservationExpiredError(id);
    });
  }

  async release(reservationId: string): Promise<boolean> {
    const id = requireId('reservationId', reservationId);
    return this.db.transaction(async (tx) => {
      const freed = await tx.run(
        "UPDATE reservations SET status = 'released' WHERE reservation_id = ? AND status = 'held' AND expires_at > ?",
        id,
        this.now(),
      );
      if (freed.changes === 1) return true;
      await this.reservation(tx, id);
      return false;
    });
  }

  async getSeat(seatId: string): Promise<SeatState> {
    const seat = requireId('seatId', seatId);
    return this.db.transaction(async (tx) => {
      if ((await tx.get('SELECT 1 FROM seats WHERE seat_id = ?', seat)) === undefined) {
        throw new SeatNotFoundError(seat);
      }
      const live = await this.liveReservation(tx, seat);
      if (live === undefined || (live.status === 'held' && live.expires_at <= this.now())) {
        return { seatId: seat, status: 'available' };
      }
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

  private liveReservation(db: Queryable, seatId: string): Promise<ReservationRow | undefined> {
    return db.get<ReservationRow>(`SELECT * FROM reservations WHERE seat_id = ? AND ${LIVE}`, seatId);
  }

  private async reservation(db: Queryable, reservationId: string): Promise<ReservationRow> {
    const row = await db.get<ReservationRow>('SELECT * FROM reservations WHERE reservation_id = ?', reservationId);
    if (row === undefined) throw new ReservationNotFoundError(reservationId);
    return row;
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new UniqueConstraintSeatService(db, holdMs, now);
}
