/**
 * PostgreSQL variant, portable: the conditional update, one file for both engines.
 *
 * Approach. The `seats` row is the one truth about who holds a seat, and every change to it is one
 * UPDATE whose WHERE clause states the precondition (free or expired; this reservation, still held,
 * not expired). The database evaluates the condition and writes in one step, so of 1000 callers one
 * UPDATE changes the row and 999 change nothing and then read why. `addSeats` is one
 * `INSERT ... ON CONFLICT DO NOTHING RETURNING`: the seats it did not add are the ones that exist.
 * The SQL is written once with `?` and sent with `$1, $2, ...` on PostgreSQL; the schema and the
 * JSON list function are the only other differences. A transaction wraps each operation for
 * atomicity (the seat and the ledger row commit together), not for the race.
 *
 * Why it is correct at READ COMMITTED. An UPDATE that finds its row locked by another transaction
 * waits, and when that one commits PostgreSQL re-evaluates the WHERE clause on the row's new version
 * (EvalPlanQual) before writing: the second claimant finds the seat held and changes nothing. Every
 * write to a seat is such a guarded UPDATE, so no decision is made on a stale read. An INSERT that
 * meets a concurrent insert of the same key waits for it too, and ON CONFLICT DO NOTHING then skips
 * the row instead of failing with 23505. Each transaction writes at most one seat row, and the one
 * statement that writes several (the INSERT of `addSeats`) does it in sorted order, so no two
 * transactions wait for each other in a cycle. On SQLite, the same code runs in deferred
 * transactions, which SQLite makes serializable (the kit reruns one that lost the write lock).
 *
 * This is the base the PostgreSQL-only wrong files (`../postgres-wrong/`) override one step of, so
 * each of them reads as a diff against a solution that is right on both engines.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Queryable, TransactionOptions } from '../../../harness/kit/db/index.ts';

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

/** `?` placeholders as the engine wants them: `$1, $2, ...` on PostgreSQL (no `?` in the SQL's strings). */
export function sqlFor(db: Database, sql: string): string {
  if (db.dialect !== 'postgres') return sql;
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** Times are epoch milliseconds: `bigint` on PostgreSQL (its `integer` ends in January 1970). */
function schemaFor(db: Database): string {
  const time = db.dialect === 'postgres' ? 'bigint' : 'INTEGER';
  return `
    CREATE TABLE IF NOT EXISTS seats (
      seat_id        TEXT PRIMARY KEY,
      status         TEXT NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'held', 'confirmed')),
      reservation_id TEXT,
      user_id        TEXT,
      expires_at     ${time}
    );
    CREATE TABLE IF NOT EXISTS reservations (
      reservation_id TEXT PRIMARY KEY,
      seat_id        TEXT NOT NULL REFERENCES seats (seat_id),
      user_id        TEXT NOT NULL,
      created_at     ${time} NOT NULL,
      expires_at     ${time} NOT NULL,
      status         TEXT NOT NULL CHECK (status IN ('held', 'confirmed', 'released'))
    );
  `;
}

/** The rows of a JSON array of strings, in order, as a table with one column `value`. */
export function jsonListFor(db: Database): string {
  return db.dialect === 'postgres' ? 'json_array_elements_text(?::json)' : 'json_each(?)';
}

/** A reservation as stored: times in epoch milliseconds (a bigint past 2^53 on PostgreSQL). */
export interface ReservationRow {
  readonly reservation_id: string;
  readonly seat_id: string;
  readonly user_id: string;
  readonly created_at: number | bigint;
  readonly expires_at: number | bigint;
  readonly status: string;
}

export interface SeatRow {
  readonly seat_id: string;
  readonly status: 'available' | 'held' | 'confirmed';
  readonly reservation_id: string | null;
  readonly user_id: string | null;
  readonly expires_at: number | bigint | null;
}

export class PortableSeatService implements SeatService {
  constructor(
    protected readonly db: Database,
    protected readonly holdMs: number,
    protected readonly now: () => number,
  ) {}

  /** Every transaction: the default (READ COMMITTED on PostgreSQL, deferred on SQLite). */
  protected readonly options: TransactionOptions = {};

  async init(): Promise<void> {
    if (this.db.dialect !== 'postgres') return this.db.exec(schemaFor(this.db));
    // Two instances creating a table at once collide in PostgreSQL's catalog (IF NOT EXISTS checks
    // before it inserts): an advisory lock makes them take turns.
    await this.db.transaction(async (tx) => {
      await tx.get('SELECT pg_advisory_xact_lock(24231)');
      await tx.exec(schemaFor(this.db));
    }, this.options);
  }

  async addSeats(seatIds: readonly string[]): Promise<void> {
    const ids = requireSeatIds(seatIds);
    if (ids.length === 0) return;
    await this.db.transaction(async (tx) => {
      const added = await this.insertSeats(tx, ids);
      if (added.length === ids.length) return;
      const fresh = new Set(added);
      throw new SeatExistsError(ids.filter((id) => !fresh.has(id))); // rolls back what was added
    }, this.options);
  }

  async reserveSeat(seatId: string, userId: string): Promise<SeatReservation> {
    const seat = requireId('seatId', seatId);
    const user = requireId('userId', userId);
    return this.db.transaction(async (tx) => {
      const now = this.now();
      const row = this.newHold(seat, user, now);
      for (;;) {
        if (await this.claim(tx, row, now)) {
          await this.insertReservation(tx, row);
          return toReservation(row, 'held');
        }
        const answer = await this.unclaimed(tx, seat, user, now);
        if (answer !== undefined) return answer;
      }
    }, this.options);
  }

  async confirm(reservationId: string): Promise<SeatReservation> {
    const id = requireId('reservationId', reservationId);
    return this.db.transaction(async (tx) => {
      const reservation = await this.loadReservation(tx, id);
      if (reservation.status === 'confirmed') return toReservation(reservation, 'confirmed');
      if (await this.sell(tx, reservation, this.now())) {
        await this.markReservation(tx, id, 'confirmed');
        return toReservation(reservation, 'confirmed');
      }
      return this.unsold(tx, reservation);
    }, this.options);
  }

  async release(reservationId: string): Promise<boolean> {
    const id = requireId('reservationId', reservationId);
    return this.db.transaction(async (tx) => {
      const reservation = await this.loadReservation(tx, id);
      if (!(await this.free(tx, reservation, this.now()))) return false;
      await this.markReservation(tx, id, 'released');
      return true;
    }, this.options);
  }

  async getSeat(seatId: string): Promise<SeatState> {
    const seat = requireId('seatId', seatId);
    const row = await this.db.get<SeatRow>(this.sql('SELECT * FROM seats WHERE seat_id = ?'), seat);
    if (row === undefined) throw new SeatNotFoundError(seat);
    return seatState(row, this.now());
  }

  /** The SQL with the engine's placeholders. */
  protected sql(text: string): string {
    return sqlFor(this.db, text);
  }

  /** Adds the seats that do not exist yet, in sorted order; resolves the ids it added. */
  protected async insertSeats(tx: Queryable, ids: readonly string[]): Promise<string[]> {
    // `WHERE true` keeps SQLite from reading ON CONFLICT as part of the SELECT's join.
    const added = await tx.all<{ seat_id: string }>(
      this.sql(`INSERT INTO seats (seat_id) SELECT value FROM ${jsonListFor(this.db)} WHERE true
                ON CONFLICT (seat_id) DO NOTHING RETURNING seat_id`),
      JSON.stringify([...ids].sort()),
    );
    return added.map((row) => row.seat_id);
  }

  /** The whole decision is in the WHERE clause: the seat is free, or held by a hold that has run out. */
  protected async claim(tx: Queryable, row: ReservationRow, now: number): Promise<boolean> {
    const claimed = await tx.run(
      this.sql(`UPDATE seats SET status = 'held', reservation_id = ?, user_id = ?, expires_at = ?
                 WHERE seat_id = ? AND (status = 'available' OR (status = 'held' AND expires_at <= ?))`),
      row.reservation_id,
      row.user_id,
      row.expires_at,
      row.seat_id,
      now,
    );
    return claimed.changes === 1;
  }

  /**
   * The claim changed nothing: find out why, for the caller. This read decides nothing that is
   * written. At READ COMMITTED it may see a later state than the UPDATE did (a seat added, a hold
   * released in between): a seat that is free now resolves `undefined`, and the claim runs again.
   */
  protected async unclaimed(
    tx: Queryable,
    seat: string,
    user: string,
    now: number,
  ): Promise<SeatReservation | undefined> {
    const current = await tx.get<SeatRow>(this.sql('SELECT * FROM seats WHERE seat_id = ?'), seat);
    if (current === undefined) throw new SeatNotFoundError(seat);
    if (seatState(current, now).status === 'available') return undefined;
    if (current.user_id !== user) throw new SeatUnavailableError(seat);
    const own = await this.loadReservation(tx, current.reservation_id!);
    return toReservation(own, current.status === 'confirmed' ? 'confirmed' : 'held');
  }

  /** The reservation id is the fencing token: only this hold, still live, may become a sale. */
  protected async sell(tx: Queryable, reservation: ReservationRow, now: number): Promise<boolean> {
    const sold = await tx.run(
      this.sql(`UPDATE seats SET status = 'confirmed', expires_at = NULL
                 WHERE seat_id = ? AND reservation_id = ? AND status = 'held' AND expires_at > ?`),
      reservation.seat_id,
      reservation.reservation_id,
      now,
    );
    return sold.changes === 1;
  }

  /**
   * The sale changed nothing. At READ COMMITTED the reservation read above may be older than the
   * UPDATE, which saw the seat's newest version: a concurrent confirm of this very hold may have
   * sold it in between. Then this confirm is "already confirmed", not "expired".
   */
  protected async unsold(tx: Queryable, reservation: ReservationRow): Promise<SeatReservation> {
    const seat = await tx.get<SeatRow>(this.sql('SELECT * FROM seats WHERE seat_id = ?'), reservation.seat_id);
    if (seat?.status === 'confirmed' && seat.reservation_id === reservation.reservation_id) {
      return toReservation(reservation, 'confirmed');
    }
    throw new ReservationExpiredError(reservation.reservation_id);
  }

  /** The same fence: only this hold, still live, frees the seat. */
  protected async free(tx: Queryable, reservation: ReservationRow, now: number): Promise<boolean> {
    const freed = await tx.run(
      this.sql(`UPDATE seats SET status = 'available', reservation_id = NULL, user_id = NULL, expires_at = NULL
                 WHERE seat_id = ? AND reservation_id = ? AND status = 'held' AND expires_at > ?`),
      reservation.seat_id,
      reservation.reservation_id,
      now,
    );
    return freed.changes === 1;
  }

  protected async markReservation(tx: Queryable, id: string, status: 'confirmed' | 'released'): Promise<void> {
    await tx.run(this.sql('UPDATE reservations SET status = ? WHERE reservation_id = ?'), status, id);
  }

  protected newHold(seat: string, user: string, now: number): ReservationRow {
    return {
      reservation_id: `rsv_${randomUUID()}`,
      seat_id: seat,
      user_id: user,
      created_at: now,
      expires_at: now + this.holdMs,
      status: 'held',
    };
  }

  protected async insertReservation(tx: Queryable, row: ReservationRow): Promise<void> {
    await tx.run(
      this.sql(`INSERT INTO reservations (reservation_id, seat_id, user_id, created_at, expires_at, status)
                VALUES (?, ?, ?, ?, ?, ?)`),
      row.reservation_id,
      row.seat_id,
      row.user_id,
      row.created_at,
      row.expires_at,
      row.status,
    );
  }

  protected async loadReservation(tx: Queryable, reservationId: string): Promise<ReservationRow> {
    const row = await tx.get<ReservationRow>(
      this.sql('SELECT * FROM reservations WHERE reservation_id = ?'),
      reservationId,
    );
    if (row === undefined) throw new ReservationNotFoundError(reservationId);
    return row;
  }
}

export function isLive(row: SeatRow, now: number): boolean {
  return row.status === 'held' && row.expires_at !== null && Number(row.expires_at) > now;
}

/** What a seat row means at `now`: a hold past its expiry is a free seat. */
export function seatState(row: SeatRow, now: number): SeatState {
  const { seat_id: seatId, reservation_id: reservationId, user_id: userId } = row;
  if (row.status === 'confirmed')
    return { seatId, status: 'confirmed', reservationId: reservationId!, userId: userId! };
  if (isLive(row, now)) {
    const expiresAt = new Date(Number(row.expires_at));
    return { seatId, status: 'held', reservationId: reservationId!, userId: userId!, expiresAt };
  }
  return { seatId, status: 'available' };
}

export function toReservation(row: ReservationRow, status: 'held' | 'confirmed'): SeatReservation {
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
  return new PortableSeatService(db, holdMs, now);
}
