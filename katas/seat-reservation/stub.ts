import type { Database } from '../../harness/kit/db/index.ts';
import { NotImplementedError } from '../../harness/kit/index.ts';

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

/**
 * Creates the seat service over the kit's database handle. Throws a TypeError or RangeError naming
 * the option when `db`, `holdMs` or `now` is not usable. See README.md for the full rules.
 */
export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  throw new NotImplementedError('createSeatService');
}
