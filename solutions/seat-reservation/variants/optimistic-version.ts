/**
 * Variant: optimistic locking with a version column. Read the seat and its version without any
 * lock, decide in JavaScript, then write only if the version is still the one that was read
 * (`WHERE version = ?`), bumping it. Zero rows changed means someone else wrote the seat in
 * between: read again and decide again. Nobody waits while holding anything, which is why this is
 * the usual answer when conflicts are rare; under a 1000-way stampede every loser pays one extra
 * read, then sees the seat taken and stops.
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
  CREATE TABLE IF NOT EXISTS seats (
    seat_id        TEXT PRIMARY KEY,
    version        INTEGER NOT NULL DEFAULT 0,
    reservation_id TEXT,
    user_id        TEXT,
    expires_at     INTEGER,
    sold           INTEGER NOT NULL DEFAULT 0 CHECK (sold IN (0, 1))
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

interface VersionedSeat {
  readonly seat_id: string;
  readonly version: number;
  readonly reservation_id: string | null;
  readonly user_id: string | null;
  readonly expires_at: number | null;
  readonly sold: 0 | 1;
}

/** Far more conflicts than any real workload produces on one seat; a bug guard, not a limit. */
const MAX_CONFLICTS = 10_000;

class ConflictLoopError extends Error {
  readonly code = 'ERR_TOO_MANY_CONFLICTS';

  constructor(what: string) {
    super(`${what}: the seat changed under us ${MAX_CONFLICTS} times in a row`);
    this.name = 'ConflictLoopError';
  }
}

class OptimisticSeatService implements SeatService {
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
    try {
      await this.db.transaction(async (tx) => {
        for (const id of ids) await tx.run('INSERT INTO seats (seat_id) VALUES (?)', id);
      });
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw error;
      // The transaction rolled back; name every id that was already there.
      const existing = await this.db.all<{ seat_id: string }>(
        'SELECT seat_id FROM seats WHERE seat_id IN (SELECT value FROM json_each(?))',
        JSON.stringify(ids),
      );
      throw new SeatExistsError(existing.map((row) => row.seat_id));
    }
  }

  async reserveSeat(seatId: string, userId: string): Promise<SeatReservation> {
    const seat = requireId('seatId', seatId);
    const user = requireId('userId', userId);
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      const now = this.now();
      const current = await this.seat(this.db, seat);
      if (isTaken(current, now)) {
        if (current.user_id === user && current.reservation_id !== null) {
          return toReservation(await this.reservation(this.db, current.reservation_id));
        }
        throw new SeatUnavailableError(seat);
      }
      const row: ReservationRow = {
        reservation_id: newReservationId(),
        seat_id: seat,
        user_id: user,
        created_at: now,
        expires_at: now + this.holdMs,
        status: 'held',
      };
      const won = await this.db.transaction(async (tx) => {
        const written = await tx.run(
          `UPDATE seats SET reservation_id = ?, user_id = ?, expires_at = ?, version = version + 1
            WHERE seat_id = ? AND version = ?`,
          row.reservation_id,
          user,
          row.expires_at,
          seat,
          current.version,
        );
        if (written.changes === 0) return false;
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
        return true;
      });
      if (won) return toReservation(row);
    }
    throw new ConflictLoopError(`reserveSeat(${seat})`);
  }

  async confirm(reservationId: string): Promise<SeatReservation> {
    const id = requireId('reservationId', reservationId);
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      const { reservation, current } = await this.snapshot(id);
      if (reservation.status === 'confirmed') return toReservation(reservation);
      if (!holdsLive(current, id, this.now())) throw new ReservationExpiredError(id);
      const done = await this.db.transaction(async (tx) => {
        const written = await tx.run(
          'UPDATE seats SET sold = 1, expires_at = NULL, version = version + 1 WHERE seat_id = ? AND version = ?',
          current.seat_id,
          current.version,
        );
        if (written.changes === 0) return false;
        await tx.run("UPDATE reservations SET status = 'confirmed' WHERE reservation_id = ?", id);
        return true;
      });
      if (done) return toReservation(reservation, 'confirmed');
    }
    throw new ConflictLoopError(`confirm(${id})`);
  }

  async release(reservationId: string): Promise<boolean> {
    const id = requireId('reservationId', reservationId);
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      const { current } = await this.snapshot(id);
      if (!holdsLive(current, id, this.now())) return false;
      const done = await this.db.transaction(async (tx) => {
        const written = await tx.run(
          `UPDATE seats SET reservation_id = NULL, user_id = NULL, expires_at = NULL, version = version + 1
            WHERE seat_id = ? AND version = ?`,
          current.seat_id,
          current.version,
        );
        if (written.changes === 0) return false;
        await tx.run("UPDATE reservations SET status = 'released' WHERE reservation_id = ?", id);
        return true;
      });
      if (done) return true;
    }
    throw new ConflictLoopError(`release(${id})`);
  }

  async getSeat(seatId: string): Promise<SeatState> {
    const seat = requireId('seatId', seatId);
    const current = await this.seat(this.db, seat);
    const { reservation_id: reservationId, user_id: userId } = current;
    if (!isTaken(current, this.now()) || reservationId === null || userId === null) {
      return { seatId: seat, status: 'available' };
    }
    if (current.sold === 1) return { seatId: seat, status: 'confirmed', reservationId, userId };
    return { seatId: seat, status: 'held', reservationId, userId, expiresAt: new Date(current.expires_at!) };
  }

  /**
   * The reservation and its seat as of one moment. Two separate reads could straddle another
   * confirm's commit: a reservation still 'held' beside a seat already sold.
   */
  private snapshot(reservationId: string): Promise<{ reservation: ReservationRow; current: VersionedSeat }> {
    return this.db.transaction(async (tx) => {
      const reservation = await this.reservation(tx, reservationId);
      return { reservation, current: await this.seat(tx, reservation.seat_id) };
    });
  }

  private async seat(db: Queryable, seatId: string): Promise<VersionedSeat> {
    const row = await db.get<VersionedSeat>('SELECT * FROM seats WHERE seat_id = ?', seatId);
    if (row === undefined) throw new SeatNotFoundError(seatId);
    return row;
  }

  private async reservation(db: Queryable, reservationId: string): Promise<ReservationRow> {
    const row = await db.get<ReservationRow>('SELECT * FROM reservations WHERE reservation_id = ?', reservationId);
    if (row === undefined) throw new ReservationNotFoundError(reservationId);
    return row;
  }
}

/** Sold, or held by a hold that has not run out. */
function isTaken(seat: VersionedSeat, now: number): boolean {
  return seat.reservation_id !== null && (seat.sold === 1 || (seat.expires_at !== null && seat.expires_at > now));
}

function holdsLive(seat: VersionedSeat, reservationId: string, now: number): boolean {
  return seat.reservation_id === reservationId && seat.sold === 0 && seat.expires_at !== null && seat.expires_at > now;
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new OptimisticSeatService(db, holdMs, now);
}
