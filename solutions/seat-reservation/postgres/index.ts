/**
 * PostgreSQL reference: row locks (`SELECT ... FOR UPDATE`) at READ COMMITTED.
 *
 * Approach. The `seats` row is the one truth about who holds a seat, and every change to a seat
 * happens inside a transaction that first locks that row: `SELECT ... FROM seats WHERE seat_id = $1
 * FOR UPDATE`. Holding the lock, the transaction reads the clock, decides in plain code (free or
 * expired: take it; the caller's own hold or sale: return it; anything else: unavailable) and writes
 * the seat and the reservation's ledger row, then COMMIT releases the lock. `confirm` and `release`
 * read their reservation's seat id (which never changes), lock that seat the same way, and act only
 * if the seat still carries this reservation id, held and not expired: the id is the fencing token.
 *
 * Why it is correct at READ COMMITTED. READ COMMITTED alone makes a read-then-write racy: two
 * transactions can both read "free". `FOR UPDATE` closes that: a second transaction that asks for
 * the same row waits until the first commits or rolls back, and then gets the row's newest
 * committed version (not its snapshot's), so it decides on what the first one wrote. Every write to
 * a seat row, and every write to a reservation row (only ever made while its seat is locked), is
 * made by the holder of that seat's lock, so decisions about one seat are made one at a time, each
 * on the latest state, whichever app instance makes them: linearizable per seat. Seats are
 * independent, so transactions on different seats never wait for each other. Each transaction locks
 * at most one seat row, so two of them can never wait for each other in a cycle (no deadlock); the
 * only statement that takes several row locks at once, the INSERT of `addSeats`, takes them in
 * sorted order. `ON CONFLICT DO NOTHING` makes that INSERT wait for a concurrent insert of the same
 * seat and then skip it, so a concurrent `addSeats` naming the same seat sees it as existing
 * instead of failing with a unique violation. Serialization failures cannot happen at READ
 * COMMITTED, and deadlocks should not; `inTransaction` still retries 40001 and 40P01, as every
 * PostgreSQL client should, since a body here has no effect outside the database.
 *
 * `init()` takes a transaction-level advisory lock before `CREATE TABLE IF NOT EXISTS`: two
 * instances creating the same table at once otherwise collide in the catalog (a unique violation on
 * `pg_type`), because IF NOT EXISTS checks before it inserts.
 *
 * Times are epoch milliseconds in `bigint` columns (an `integer` ends in 1970 + 24 days). A deadline
 * past 2^53 comes back from the driver as a `bigint`, so rows are read through `Number()`.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Queryable, Transaction } from '../../../harness/kit/db/index.ts';

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

/**
 * `seats` is the live state of each seat, `reservations` the ledger of every hold ever made (so an
 * old reservation id can be told from one never issued). Both are keyed by the ids the hot paths
 * look up; the foreign key's check takes a KEY SHARE lock on the seat, which the writer already
 * holds more strongly.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS seats (
    seat_id        text PRIMARY KEY,
    status         text NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'held', 'confirmed')),
    reservation_id text,
    user_id        text,
    expires_at     bigint
  );
  CREATE TABLE IF NOT EXISTS reservations (
    reservation_id text PRIMARY KEY,
    seat_id        text NOT NULL REFERENCES seats (seat_id),
    user_id        text NOT NULL,
    created_at     bigint NOT NULL,
    expires_at     bigint NOT NULL,
    status         text NOT NULL CHECK (status IN ('held', 'confirmed', 'released'))
  );
`;

/** Any constant: the key of the advisory lock that serializes schema creation. */
const SCHEMA_LOCK = 0x5ea7;

/** SQLSTATEs after which the whole transaction may simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 20;

interface SeatRow {
  readonly seat_id: string;
  readonly status: 'available' | 'held' | 'confirmed';
  readonly reservation_id: string | null;
  readonly user_id: string | null;
  readonly expires_at: number | bigint | null;
}

interface ReservationRow {
  readonly reservation_id: string;
  readonly seat_id: string;
  readonly user_id: string;
  readonly created_at: number | bigint;
  readonly expires_at: number | bigint;
}

const SEAT_COLUMNS = 'seat_id, status, reservation_id, user_id, expires_at';
const RESERVATION_COLUMNS = 'reservation_id, seat_id, user_id, created_at, expires_at';

class RowLockSeatService implements SeatService {
  constructor(
    private readonly db: Database,
    private readonly holdMs: number,
    private readonly now: () => number,
  ) {}

  async init(): Promise<void> {
    await this.inTransaction(async (tx) => {
      await tx.get('SELECT pg_advisory_xact_lock($1)', SCHEMA_LOCK);
      await tx.exec(SCHEMA);
    });
  }

  async addSeats(seatIds: readonly string[]): Promise<void> {
    const ids = requireSeatIds(seatIds);
    if (ids.length === 0) return;
    // Sorted, so two addSeats naming the same seats lock them in the same order.
    const list = JSON.stringify([...ids].sort());
    await this.inTransaction(async (tx) => {
      const added = await tx.all<{ seat_id: string }>(
        `INSERT INTO seats (seat_id)
         SELECT value FROM json_array_elements_text($1::json) WITH ORDINALITY AS t (value, n) ORDER BY n
         ON CONFLICT (seat_id) DO NOTHING
         RETURNING seat_id`,
        list,
      );
      if (added.length === ids.length) return;
      const fresh = new Set(added.map((row) => row.seat_id));
      // Throwing rolls back the seats this INSERT did add: all or none.
      throw new SeatExistsError(ids.filter((id) => !fresh.has(id)));
    });
  }

  async reserveSeat(seatId: string, userId: string): Promise<SeatReservation> {
    const seat = requireId('seatId', seatId);
    const user = requireId('userId', userId);
    return this.inTransaction(async (tx) => {
      const current = await this.lockSeat(tx, seat);
      if (current === undefined) throw new SeatNotFoundError(seat);
      const now = this.now(); // read while holding the lock: the instant the decision is made
      const state = seatState(current, now);
      if (state.status !== 'available') {
        if (state.userId !== user) throw new SeatUnavailableError(seat);
        const own = await this.loadReservation(tx, state.reservationId);
        return toReservation(own, state.status);
      }
      const hold: ReservationRow = {
        reservation_id: `rsv_${randomUUID()}`,
        seat_id: seat,
        user_id: user,
        created_at: now,
        expires_at: now + this.holdMs,
      };
      await tx.run(
        `UPDATE seats SET status = 'held', reservation_id = $1, user_id = $2, expires_at = $3 WHERE seat_id = $4`,
        hold.reservation_id,
        user,
        hold.expires_at,
        seat,
      );
      await tx.run(
        `INSERT INTO reservations (reservation_id, seat_id, user_id, created_at, expires_at, status)
         VALUES ($1, $2, $3, $4, $5, 'held')`,
        hold.reservation_id,
        seat,
        user,
        hold.created_at,
        hold.expires_at,
      );
      return toReservation(hold, 'held');
    });
  }

  async confirm(reservationId: string): Promise<SeatReservation> {
    const id = requireId('reservationId', reservationId);
    return this.inTransaction(async (tx) => {
      const reservation = await this.loadReservation(tx, id);
      const seat = await this.lockSeat(tx, reservation.seat_id);
      // The seat is the truth: this reservation is still the seat's, or the hold is over.
      if (seat?.reservation_id !== id) throw new ReservationExpiredError(id);
      if (seat.status === 'confirmed') return toReservation(reservation, 'confirmed');
      if (!isLive(seat, this.now())) throw new ReservationExpiredError(id);
      await tx.run(`UPDATE seats SET status = 'confirmed', expires_at = NULL WHERE seat_id = $1`, seat.seat_id);
      await tx.run(`UPDATE reservations SET status = 'confirmed' WHERE reservation_id = $1`, id);
      return toReservation(reservation, 'confirmed');
    });
  }

  async release(reservationId: string): Promise<boolean> {
    const id = requireId('reservationId', reservationId);
    return this.inTransaction(async (tx) => {
      const reservation = await this.loadReservation(tx, id);
      const seat = await this.lockSeat(tx, reservation.seat_id);
      if (seat?.reservation_id !== id || seat.status !== 'held' || !isLive(seat, this.now())) return false;
      await tx.run(
        `UPDATE seats SET status = 'available', reservation_id = NULL, user_id = NULL, expires_at = NULL
          WHERE seat_id = $1`,
        seat.seat_id,
      );
      await tx.run(`UPDATE reservations SET status = 'released' WHERE reservation_id = $1`, id);
      return true;
    });
  }

  async getSeat(seatId: string): Promise<SeatState> {
    const seat = requireId('seatId', seatId);
    // One statement sees one committed state; no lock needed to report it.
    const row = await this.db.get<SeatRow>(`SELECT ${SEAT_COLUMNS} FROM seats WHERE seat_id = $1`, seat);
    if (row === undefined) throw new SeatNotFoundError(seat);
    return seatState(row, this.now());
  }

  /** The seat's row, locked until this transaction ends; waits for whoever holds it. */
  private lockSeat(tx: Queryable, seatId: string): Promise<SeatRow | undefined> {
    return tx.get<SeatRow>(`SELECT ${SEAT_COLUMNS} FROM seats WHERE seat_id = $1 FOR UPDATE`, seatId);
  }

  /** A reservation's fixed fields (seat, user, times never change once written). */
  private async loadReservation(tx: Queryable, reservationId: string): Promise<ReservationRow> {
    const row = await tx.get<ReservationRow>(
      `SELECT ${RESERVATION_COLUMNS} FROM reservations WHERE reservation_id = $1`,
      reservationId,
    );
    if (row === undefined) throw new ReservationNotFoundError(reservationId);
    return row;
  }

  /** A READ COMMITTED transaction, run again whole on a serialization failure or a deadlock. */
  private async inTransaction<T>(body: (tx: Transaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.db.transaction(body, { isolation: 'read committed' });
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        if (attempt >= MAX_ATTEMPTS || typeof code !== 'string' || !RETRYABLE.has(code)) throw error;
      }
    }
  }
}

function isLive(seat: SeatRow, now: number): boolean {
  return seat.status === 'held' && seat.expires_at !== null && Number(seat.expires_at) > now;
}

/** What a seat row means at `now`: a hold past its expiry is a free seat. */
function seatState(row: SeatRow, now: number): SeatState {
  const { seat_id: seatId, reservation_id: reservationId, user_id: userId } = row;
  if (row.status === 'confirmed')
    return { seatId, status: 'confirmed', reservationId: reservationId!, userId: userId! };
  if (isLive(row, now)) {
    return {
      seatId,
      status: 'held',
      reservationId: reservationId!,
      userId: userId!,
      expiresAt: new Date(Number(row.expires_at)),
    };
  }
  return { seatId, status: 'available' };
}

function toReservation(row: ReservationRow, status: 'held' | 'confirmed'): SeatReservation {
  return {
    reservationId: row.reservation_id,
    seatId: row.seat_id,
    userId: row.user_id,
    timestamp: new Date(Number(row.created_at)),
    expiresAt: new Date(Number(row.expires_at)),
    status,
  };
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new RowLockSeatService(db, holdMs, now);
}
