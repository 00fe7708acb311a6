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
