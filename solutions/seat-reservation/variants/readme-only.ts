/**
 * Variant: written from the README alone, by someone who never read the reference or the other
 * variants (copied from the lead's holdout unchanged but for the import path and prettier's formatting). Its design: an
 * append-only ledger of reservations whose rows are never deleted (held -> confirmed, released or
 * lapsed), a partial unique index allowing one claim (held or confirmed) per seat, and every
 * decision made inside an IMMEDIATE transaction, so the read, the clock reading and the write are
 * one step among all writers of every instance. The design notes below are its author's.
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import { randomUUID } from 'node:crypto';

/*
 * Design: a ledger of reservations. Every hold ever made is a row that is never deleted; its
 * `state` moves from 'held' to 'confirmed', 'released' or 'lapsed' (an expired hold that another
 * user took over). A unique partial index allows at most one *claim* (a row in state 'held' or
 * 'confirmed') per seat, so even a flawed read-then-write could never give a seat to two holders.
 * Every decision is made inside an IMMEDIATE transaction: the write lock is taken at BEGIN, so the
 * read, the clock reading and the write form one step among all writers of every app instance.
 * An expired hold keeps its claim row until someone takes the seat over; liveness is decided by
 * comparing now() with the stored expiry, never by a timer.
 */

/** A hold on a seat, or the sale it became. */
export interface SeatReservation {
  /** Unique across the service; confirm and release take it. */
  readonly reservationId: string;
  readonly seatId: string;
  readonly userId: string;
  /** When the hold was made: the service's now(). */
  readonly timestamp: Date;
  /** When the hold lapses unless confirmed first: timestamp + holdMs. */
  readonly expiresAt: Date;
  readonly status: 'held' | 'confirmed';
}

/** What getSeat reports. An expired hold is reported as 'available'. */
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
  /** How long a hold lasts before another user may take the seat, in milliseconds: a positive safe integer. */
  readonly holdMs: number;
  /** The clock, in epoch milliseconds. Default: Date.now. */
  readonly now?: () => number;
}

export interface SeatService {
  /** Creates the tables if they do not exist yet. Every app instance calls it at startup. */
  init(): Promise<void>;
  /** Adds seats, all or none: if any id already exists, rejects with SeatExistsError and adds nothing. */
  addSeats(seatIds: readonly string[]): Promise<void>;
  /**
   * Holds the seat for the user for holdMs. Exactly one of any number of concurrent calls for a
   * free seat succeeds, across every app instance sharing the database. The user who already holds
   * (or bought) the seat gets that same reservation back.
   */
  reserveSeat(seatId: string, userId: string): Promise<SeatReservation>;
  /** Turns a live hold into a sale (payment succeeded). Confirming a confirmed reservation returns it again. */
  confirm(reservationId: string): Promise<SeatReservation>;
  /**
   * Ends a live hold (payment failed): resolves true if this call freed the seat, false if the hold
   * had already ended (released, expired, taken over) or was confirmed. Never frees anyone else's hold.
   */
  release(reservationId: string): Promise<boolean>;
  getSeat(seatId: string): Promise<SeatState>;
}

/** The seat is held by another user, or sold. */
export class SeatUnavailableError extends Error {
  readonly code = 'SEAT_UNAVAILABLE';

  constructor(readonly seatId: string) {
    super(`seat ${seatId} is not available`);
    this.name = 'SeatUnavailableError';
  }
}

/** No seat has this id. */
export class SeatNotFoundError extends Error {
  readonly code = 'SEAT_NOT_FOUND';

  constructor(readonly seatId: string) {
    super(`there is no seat ${seatId}`);
    this.name = 'SeatNotFoundError';
  }
}

/** addSeats was given ids that already exist. */
export class SeatExistsError extends Error {
  readonly code = 'SEAT_EXISTS';

  constructor(readonly seatIds: readonly string[]) {
    super(`seat(s) already exist: ${seatIds.join(', ')}`);
    this.name = 'SeatExistsError';
  }
}

/** The service never issued this reservation id. */
export class ReservationNotFoundError extends Error {
  readonly code = 'RESERVATION_NOT_FOUND';

  constructor(readonly reservationId: string) {
    super(`there is no reservation ${reservationId}`);
    this.name = 'ReservationNotFoundError';
  }
}

/** The hold is over (it expired, was released, or another user took the seat since): start again. */
export class ReservationExpiredError extends Error {
  readonly code = 'RESERVATION_EXPIRED';

  constructor(readonly reservationId: string) {
    super(`reservation ${reservationId} is no longer held`);
    this.name = 'ReservationExpiredError';
  }
}

type LedgerState = 'held' | 'confirmed' | 'released' | 'lapsed';

interface ReservationRow {
  reservation_id: string;
  seat_id: string;
  user_id: string;
  created_ms: number | bigint;
  expires_ms: number | bigint;
  state: LedgerState;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS seat_ledger_seats (
  seat_id TEXT NOT NULL PRIMARY KEY
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS seat_ledger_reservations (
  reservation_id TEXT NOT NULL PRIMARY KEY,
  seat_id TEXT NOT NULL REFERENCES seat_ledger_seats (seat_id),
  user_id TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('held', 'confirmed', 'released', 'lapsed'))
);
CREATE UNIQUE INDEX IF NOT EXISTS seat_ledger_one_claim_per_seat
  ON seat_ledger_reservations (seat_id) WHERE state IN ('held', 'confirmed');
`;

const RESERVATION_COLUMNS = 'reservation_id, seat_id, user_id, created_ms, expires_ms, state';
const SELECT_SEAT = 'SELECT seat_id FROM seat_ledger_seats WHERE seat_id = ?';
const SELECT_CLAIM = `SELECT ${RESERVATION_COLUMNS} FROM seat_ledger_reservations WHERE seat_id = ? AND state IN ('held', 'confirmed')`;
const SELECT_RESERVATION = `SELECT ${RESERVATION_COLUMNS} FROM seat_ledger_reservations WHERE reservation_id = ?`;
const INSERT_RESERVATION = `INSERT INTO seat_ledger_reservations (${RESERVATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, 'held')`;
const SET_STATE_OF_HELD = 'UPDATE seat_ledger_reservations SET state = ? WHERE reservation_id = ? AND state = ?';

/** How many ids one `IN (...)` lookup binds (well under SQLite's parameter limit). */
const LOOKUP_CHUNK = 200;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return `${typeof value} ${String(value)}`;
  }
  if (typeof value === 'symbol') return `symbol ${String(value)}`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (Array.isArray(value)) return `array of length ${value.length}`;
  return `object ${Object.prototype.toString.call(value)}`;
}

function requireId(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    throw new TypeError(`${name} must be a string, received ${describe(value)}`);
  }
  if (value === '') {
    throw new RangeError(`${name} must be a non-empty string, received ${describe(value)}`);
  }
}

function requireSeatIds(value: unknown): asserts value is readonly string[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`seatIds must be an array of strings, received ${describe(value)}`);
  }
  const seen = new Set<string>();
  for (let index = 0; index < value.length; index++) {
    const id: unknown = value[index];
    if (typeof id !== 'string') {
      throw new TypeError(`seatIds must be an array of strings, received ${describe(id)} at seatIds[${index}]`);
    }
    if (id === '') {
      throw new RangeError(`seatIds must not contain an empty id, received string "" at seatIds[${index}]`);
    }
    if (seen.has(id)) {
      throw new RangeError(`seatIds must not repeat an id, received ${describe(id)} twice`);
    }
    seen.add(id);
  }
}

function requireDatabase(value: unknown): asserts value is Database {
  const handle = value as Partial<Record<keyof Database, unknown>> | null;
  const usable =
    typeof value === 'object' &&
    handle !== null &&
    typeof handle.run === 'function' &&
    typeof handle.get === 'function' &&
    typeof handle.all === 'function' &&
    typeof handle.exec === 'function' &&
    typeof handle.transaction === 'function';
  if (!usable) {
    throw new TypeError(
      `db must be the kit's Database handle (run, get, all, exec, transaction), received ${describe(value)}`,
    );
  }
}

function toReservation(row: ReservationRow): SeatReservation {
  if (row.state !== 'held' && row.state !== 'confirmed') {
    throw new Error(`internal: reservation ${row.reservation_id} is ${row.state}, not a claim`);
  }
  return {
    reservationId: row.reservation_id,
    seatId: row.seat_id,
    userId: row.user_id,
    timestamp: new Date(Number(row.created_ms)),
    expiresAt: new Date(Number(row.expires_ms)),
    status: row.state,
  };
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * Creates the seat service over the kit's database handle. Throws a TypeError or RangeError naming
 * the option when `db`, `holdMs` or `now` is not usable. See README.md for the full rules.
 */
export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  requireDatabase(db);
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options must be an object with holdMs, received ${describe(options)}`);
  }
  const { holdMs, now: clock } = options;
  if (typeof holdMs !== 'number') {
    throw new TypeError(`holdMs must be a number, received ${describe(holdMs)}`);
  }
  if (!Number.isSafeInteger(holdMs) || holdMs <= 0) {
    throw new RangeError(`holdMs must be a positive integer, received ${describe(holdMs)}`);
  }
  if (clock !== undefined && typeof clock !== 'function') {
    throw new TypeError(`now must be a function, received ${describe(clock)}`);
  }
  const now: () => number = clock ?? (() => Date.now());

  const immediate = { mode: 'immediate' } as const;

  return {
    async init(): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.exec(SCHEMA);
      }, immediate);
    },

    async addSeats(seatIds: readonly string[]): Promise<void> {
      requireSeatIds(seatIds);
      if (seatIds.length === 0) return;
      await db.transaction(async (tx) => {
        const existing = new Set<string>();
        for (let start = 0; start < seatIds.length; start += LOOKUP_CHUNK) {
          const chunk = seatIds.slice(start, start + LOOKUP_CHUNK);
          const rows = await tx.all<{ seat_id: string }>(
            `SELECT seat_id FROM seat_ledger_seats WHERE seat_id IN (${chunk.map(() => '?').join(', ')})`,
            ...chunk,
          );
          for (const row of rows) existing.add(row.seat_id);
        }
        if (existing.size > 0) {
          throw new SeatExistsError(seatIds.filter((id) => existing.has(id)));
        }
        for (const id of seatIds) {
          try {
            await tx.run('INSERT INTO seat_ledger_seats (seat_id) VALUES (?)', id);
          } catch (error) {
            if (isUniqueViolation(error)) throw new SeatExistsError([id]);
            throw error;
          }
        }
      }, immediate);
    },

    async reserveSeat(seatId: string, userId: string): Promise<SeatReservation> {
      requireId('seatId', seatId);
      requireId('userId', userId);
      return db.transaction(async (tx) => {
        const at = now();
        const seat = await tx.get(SELECT_SEAT, seatId);
        if (!seat) throw new SeatNotFoundError(seatId);
        const claim = await tx.get<ReservationRow>(SELECT_CLAIM, seatId);
        if (claim) {
          const live = claim.state === 'confirmed' || at < Number(claim.expires_ms);
          if (live) {
            if (claim.user_id === userId) return toReservation(claim);
            throw new SeatUnavailableError(seatId);
          }
          // The claim is an expired hold: it lapses, and the seat is free for this caller.
          await tx.run(SET_STATE_OF_HELD, 'lapsed', claim.reservation_id, 'held');
        }
        const row: ReservationRow = {
          reservation_id: randomUUID(),
          seat_id: seatId,
          user_id: userId,
          created_ms: at,
          expires_ms: at + holdMs,
          state: 'held',
        };
        try {
          await tx.run(
            INSERT_RESERVATION,
            row.reservation_id,
            row.seat_id,
            row.user_id,
            row.created_ms,
            row.expires_ms,
          );
        } catch (error) {
          if (isUniqueViolation(error)) throw new SeatUnavailableError(seatId);
          throw error;
        }
        return toReservation(row);
      }, immediate);
    },

    async confirm(reservationId: string): Promise<SeatReservation> {
      requireId('reservationId', reservationId);
      return db.transaction(async (tx) => {
        const at = now();
        const row = await tx.get<ReservationRow>(SELECT_RESERVATION, reservationId);
        if (!row) throw new ReservationNotFoundError(reservationId);
        if (row.state === 'confirmed') return toReservation(row);
        if (row.state !== 'held' || at >= Number(row.expires_ms)) {
          throw new ReservationExpiredError(reservationId);
        }
        const result = await tx.run(SET_STATE_OF_HELD, 'confirmed', reservationId, 'held');
        if (result.changes !== 1) throw new ReservationExpiredError(reservationId);
        return toReservation({ ...row, state: 'confirmed' });
      }, immediate);
    },

    async release(reservationId: string): Promise<boolean> {
      requireId('reservationId', reservationId);
      return db.transaction(async (tx) => {
        const at = now();
        const row = await tx.get<ReservationRow>(SELECT_RESERVATION, reservationId);
        if (!row) throw new ReservationNotFoundError(reservationId);
        if (row.state !== 'held' || at >= Number(row.expires_ms)) return false;
        const result = await tx.run(SET_STATE_OF_HELD, 'released', reservationId, 'held');
        return result.changes === 1;
      }, immediate);
    },

    async getSeat(seatId: string): Promise<SeatState> {
      requireId('seatId', seatId);
      return db.transaction(async (tx) => {
        const seat = await tx.get(SELECT_SEAT, seatId);
        if (!seat) throw new SeatNotFoundError(seatId);
        const claim = await tx.get<ReservationRow>(SELECT_CLAIM, seatId);
        const at = now();
        if (!claim) return { seatId, status: 'available' };
        if (claim.state === 'confirmed') {
          return { seatId, status: 'confirmed', reservationId: claim.reservation_id, userId: claim.user_id };
        }
        if (at < Number(claim.expires_ms)) {
          return {
            seatId,
            status: 'held',
            reservationId: claim.reservation_id,
            userId: claim.user_id,
            expiresAt: new Date(Number(claim.expires_ms)),
          };
        }
        return { seatId, status: 'available' };
      });
    },
  };
}
