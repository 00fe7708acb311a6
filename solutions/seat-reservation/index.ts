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
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../../harness/kit/db/index.ts';

// The API: the types and error classes of the stub, unchanged.
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
  // No options at all is a missing holdMs, and reported as one.
  const { holdMs, now } = (options ?? {}) as { holdMs?: unknown; now?: unknown };
  if (typeof holdMs !== 'number') {
    throw new TypeError(`holdMs must be a number of milliseconds, received ${describeValue(holdMs)}`);
  }
  if (!Number.isSafeInteger(holdMs) || holdMs <= 0) {
    throw new RangeError(`holdMs must be a positive safe integer number of milliseconds, received ${holdMs}`);
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
    const list = JSON.stringify(this.seatIdList(seatIds));
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
      const row = this.newHold(seat, user, now);
      if (await this.claim(tx, row, now)) {
        await this.insertReservation(tx, row);
        return this.reservationOf(row);
      }
      return this.unclaimed(tx, seat, user);
    }, WRITE);
  }

  async confirm(reservationId: string): Promise<SeatReservation> {
    const id = this.id('reservationId', reservationId);
    return this.db.transaction(async (tx) => {
      const reservation = await this.loadReservation(tx, id);
      if (reservation.status === 'confirmed') return this.reservationOf(reservation);
      if (!(await this.sell(tx, reservation, this.now()))) throw new ReservationExpiredError(id);
      await tx.run("UPDATE reservations SET status = 'confirmed' WHERE reservation_id = ?", id);
      return this.reservationOf(reservation, 'confirmed');
    }, WRITE);
  }

  async release(reservationId: string): Promise<boolean> {
    const id = this.id('reservationId', reservationId);
    return this.db.transaction(async (tx) => {
      const reservation = await this.loadReservation(tx, id);
      if (!(await this.free(tx, reservation, this.now()))) return false;
      await tx.run("UPDATE reservations SET status = 'released' WHERE reservation_id = ?", id);
      return true;
    }, WRITE);
  }

  async getSeat(seatId: string): Promise<SeatState> {
    const seat = this.id('seatId', seatId);
    const row = await this.db.get<SeatRow>('SELECT * FROM seats WHERE seat_id = ?', seat);
    if (row === undefined) throw new SeatNotFoundError(seat);
    return this.stateOf(row, this.now());
  }

  /** The whole decision is in the WHERE clause: the seat is free, or held by a hold that has run out. */
  protected async claim(tx: Queryable, row: ReservationRow, now: number): Promise<boolean> {
    const claimed = await tx.run(
      `UPDATE seats SET status = 'held', reservation_id = ?, user_id = ?, expires_at = ?
        WHERE seat_id = ? AND (status = 'available' OR (status = 'held' AND expires_at <= ?))`,
      row.reservation_id,
      row.user_id,
      row.expires_at,
      row.seat_id,
      now,
    );
    return claimed.changes === 1;
  }

  /** The claim changed nothing: find out why, for the caller. This read decides nothing that is written. */
  protected async unclaimed(tx: Queryable, seat: string, user: string): Promise<SeatReservation> {
    const current = await tx.get<SeatRow>('SELECT * FROM seats WHERE seat_id = ?', seat);
    if (current === undefined) throw new SeatNotFoundError(seat);
    // A seat's user_id is set exactly when it carries a reservation (held or sold).
    if (current.user_id === user) return this.reservationOf(await this.loadReservation(tx, current.reservation_id!));
    throw new SeatUnavailableError(seat);
  }

  /** The reservation id is the fencing token: only this hold, still live, may become a sale. */
  protected async sell(tx: Queryable, reservation: ReservationRow, now: number): Promise<boolean> {
    const sold = await tx.run(
      `UPDATE seats SET status = 'confirmed', expires_at = NULL
        WHERE seat_id = ? AND reservation_id = ? AND status = 'held' AND expires_at > ?`,
      reservation.seat_id,
      reservation.reservation_id,
      now,
    );
    return sold.changes === 1;
  }

  /** The same fence: only this hold, still live, frees the seat. */
  protected async free(tx: Queryable, reservation: ReservationRow, now: number): Promise<boolean> {
    const freed = await tx.run(
      `UPDATE seats SET status = 'available', reservation_id = NULL, user_id = NULL, expires_at = NULL
        WHERE seat_id = ? AND reservation_id = ? AND status = 'held' AND expires_at > ?`,
      reservation.seat_id,
      reservation.reservation_id,
      now,
    );
    return freed.changes === 1;
  }

  protected newHold(seat: string, user: string, now: number): ReservationRow {
    return {
      reservation_id: newReservationId(),
      seat_id: seat,
      user_id: user,
      created_at: now,
      expires_at: now + this.holdMs,
      status: 'held',
    };
  }

  protected reservationOf(row: ReservationRow, status?: 'held' | 'confirmed'): SeatReservation {
    return toReservation(row, status);
  }

  protected stateOf(row: SeatRow, now: number): SeatState {
    return seatState(row, now);
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

/**
 * What a seat row means at `now`: a hold past its expiry is simply a free seat. A held or sold row
 * always carries its reservation and user, and a held one its expiry (every write sets them together).
 */
export function seatState(row: SeatRow, now: number): SeatState {
  const { seat_id: seatId, reservation_id: reservationId, user_id: userId, expires_at: expiresAt } = row;
  if (row.status === 'confirmed')
    return { seatId, status: 'confirmed', reservationId: reservationId!, userId: userId! };
  if (row.status === 'held' && expiresAt! > now) {
    return { seatId, status: 'held', reservationId: reservationId!, userId: userId!, expiresAt: new Date(expiresAt!) };
  }
  return { seatId, status: 'available' };
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new ConditionalUpdateSeatService(db, holdMs, now);
}
