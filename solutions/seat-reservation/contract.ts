/**
 * What every seat-reservation solution shares, whatever its locking strategy: the API types, the
 * error classes (the same as the stub's), input validation and the row-to-reservation mapping.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../../harness/kit/db/index.ts';

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
  return { db: handle as Database, holdMs, now: (now as (() => number) | undefined) ?? Date.now };
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
