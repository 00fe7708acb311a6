/**
 * The rules of README.md as plain, sequential, in-memory code: the spec's definition of the right
 * answer. No database, no concurrency, no cleverness; a state is never changed in place (every
 * call returns a new one), so the linearizability search can try several orders from one state.
 *
 * `predict(state, call)` says what a call must do in a state: the outcome it must have (compared
 * in full by the kit: every field, Dates by their time, errors by class, code and fields) and the
 * state after it. Where the implementation chooses something (a new reservation's id), the
 * expectation accepts any fresh id and the next state adopts the one it chose.
 */
import { expectError, expectValue, satisfies, type Expected } from '../../harness/kit/expected.ts';

/** One call of the service, with its arguments as given (bad input included). */
export type SeatCall =
  | { readonly kind: 'init' }
  | { readonly kind: 'addSeats'; readonly seatIds: unknown }
  | { readonly kind: 'reserveSeat'; readonly seatId: unknown; readonly userId: unknown }
  | { readonly kind: 'confirm'; readonly reservationId: unknown }
  | { readonly kind: 'release'; readonly reservationId: unknown }
  | { readonly kind: 'getSeat'; readonly seatId: unknown };

export interface ModelReservation {
  readonly reservationId: string;
  readonly seatId: string;
  readonly userId: string;
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly expiresAt: number;
  /** 'held' stays 'held' after expiry or a takeover: liveness is decided by the clock and the seat. */
  readonly status: 'held' | 'confirmed' | 'released';
}

export interface SeatModel {
  readonly holdMs: number;
  /** The clock's current reading, in epoch milliseconds. */
  readonly now: number;
  /** Every seat, and the reservation it last went to (undefined: never held, or released). */
  readonly seats: ReadonlyMap<string, string | undefined>;
  /** Every reservation ever issued, in the order issued. */
  readonly reservations: ReadonlyMap<string, ModelReservation>;
}

export interface Prediction {
  readonly expected: Expected<unknown>;
  /** The state after the call, given the value it resolved with. Only meaningful when it must resolve. */
  readonly after: (value: unknown) => SeatModel;
}

export function createModel(holdMs: number, now: number): SeatModel {
  return { holdMs, now, seats: new Map(), reservations: new Map() };
}

export function advanceTo(state: SeatModel, now: number): SeatModel {
  return { ...state, now };
}

/** The reservation the seat belongs to right now: a sale, or a hold that is live. */
export function currentClaim(state: SeatModel, seatId: string): ModelReservation | undefined {
  const id = state.seats.get(seatId);
  const reservation = id === undefined ? undefined : state.reservations.get(id);
  if (reservation === undefined) return undefined;
  if (reservation.status === 'confirmed') return reservation;
  if (reservation.status === 'held' && state.now < reservation.expiresAt) return reservation;
  return undefined;
}

/** A hold that is still the seat's, not released and not expired. */
export function isLiveHold(state: SeatModel, reservation: ModelReservation): boolean {
  return (
    reservation.status === 'held' &&
    state.seats.get(reservation.seatId) === reservation.reservationId &&
    state.now < reservation.expiresAt
  );
}

/** The reservation as the API returns it. */
export function reservationView(reservation: ModelReservation, status: 'held' | 'confirmed'): Record<string, unknown> {
  return {
    reservationId: reservation.reservationId,
    seatId: reservation.seatId,
    userId: reservation.userId,
    timestamp: new Date(reservation.timestamp),
    expiresAt: new Date(reservation.expiresAt),
    status,
  };
}

/** What getSeat must resolve for a seat that exists. */
export function seatView(state: SeatModel, seatId: string): Record<string, unknown> {
  const claim = currentClaim(state, seatId);
  if (claim === undefined) return { seatId, status: 'available' };
  if (claim.status === 'confirmed') {
    return { seatId, status: 'confirmed', reservationId: claim.reservationId, userId: claim.userId };
  }
  return {
    seatId,
    status: 'held',
    reservationId: claim.reservationId,
    userId: claim.userId,
    expiresAt: new Date(claim.expiresAt),
  };
}

export function predict(state: SeatModel, call: SeatCall): Prediction {
  const unchanged = (): SeatModel => state;
  const fail = (expected: Expected<unknown>): Prediction => ({ expected, after: unchanged });
  switch (call.kind) {
    case 'init':
      return { expected: expectValue(ANY_VALUE), after: unchanged };
    case 'addSeats': {
      const invalid = seatIdsProblem(call.seatIds);
      if (invalid !== undefined) return fail(invalid);
      const ids = call.seatIds as string[];
      const existing = ids.filter((id) => state.seats.has(id));
      if (existing.length > 0) {
        return fail(domainError('SeatExistsError', 'SEAT_EXISTS', { seatIds: sameMembers(existing) }));
      }
      return {
        expected: expectValue(ANY_VALUE),
        after: () => {
          const seats = new Map(state.seats);
          for (const id of ids) seats.set(id, undefined);
          return { ...state, seats };
        },
      };
    }
    case 'reserveSeat': {
      const invalid = idProblem('seatId', call.seatId) ?? idProblem('userId', call.userId);
      if (invalid !== undefined) return fail(invalid);
      const seatId = call.seatId as string;
      const userId = call.userId as string;
      if (!state.seats.has(seatId)) return fail(seatNotFound(seatId));
      const claim = currentClaim(state, seatId);
      if (claim !== undefined) {
        if (claim.userId === userId) {
          return {
            expected: expectValue(reservationView(claim, claim.status as 'held' | 'confirmed')),
            after: unchanged,
          };
        }
        return fail(domainError('SeatUnavailableError', 'SEAT_UNAVAILABLE', { seatId }));
      }
      return {
        expected: expectValue({
          reservationId: satisfies('a reservation id never issued before', (id) => isFreshId(state, id)),
          seatId,
          userId,
          timestamp: new Date(state.now),
          expiresAt: new Date(state.now + state.holdMs),
          status: 'held',
        }),
        after: (value) => {
          const reservationId = (value as { reservationId: string }).reservationId;
          const reservations = new Map(state.reservations);
          reservations.set(reservationId, {
            reservationId,
            seatId,
            userId,
            timestamp: state.now,
            expiresAt: state.now + state.holdMs,
            status: 'held',
          });
          const seats = new Map(state.seats);
          seats.set(seatId, reservationId);
          return { ...state, seats, reservations };
        },
      };
    }
    case 'confirm': {
      const invalid = idProblem('reservationId', call.reservationId);
      if (invalid !== undefined) return fail(invalid);
      const reservationId = call.reservationId as string;
      const reservation = state.reservations.get(reservationId);
      if (reservation === undefined) return fail(reservationNotFound(reservationId));
      if (reservation.status === 'confirmed') {
        return { expected: expectValue(reservationView(reservation, 'confirmed')), after: unchanged };
      }
      if (!isLiveHold(state, reservation)) {
        return fail(domainError('ReservationExpiredError', 'RESERVATION_EXPIRED', { reservationId }));
      }
      return {
        expected: expectValue(reservationView(reservation, 'confirmed')),
        after: () => withReservation(state, { ...reservation, status: 'confirmed' }),
      };
    }
    case 'release': {
      const invalid = idProblem('reservationId', call.reservationId);
      if (invalid !== undefined) return fail(invalid);
      const reservationId = call.reservationId as string;
      const reservation = state.reservations.get(reservationId);
      if (reservation === undefined) return fail(reservationNotFound(reservationId));
      if (!isLiveHold(state, reservation)) return { expected: expectValue(false), after: unchanged };
      return {
        expected: expectValue(true),
        after: () => {
          const next = withReservation(state, { ...reservation, status: 'released' });
          const seats = new Map(next.seats);
          seats.set(reservation.seatId, undefined);
          return { ...next, seats };
        },
      };
    }
    case 'getSeat': {
      const invalid = idProblem('seatId', call.seatId);
      if (invalid !== undefined) return fail(invalid);
      const seatId = call.seatId as string;
      if (!state.seats.has(seatId)) return fail(seatNotFound(seatId));
      return { expected: expectValue(seatView(state, seatId)), after: unchanged };
    }
  }
}

/**
 * What createSeatService must do with these arguments: undefined when it must succeed, else the
 * error it must throw. `dbIsHandle` says whether `db` is the kit's handle (the model cannot tell).
 */
export function createProblem(dbIsHandle: boolean, db: unknown, options: unknown): Expected<never> | undefined {
  if (!dbIsHandle) return badInput('TypeError', 'db', db);
  const { holdMs, now } = (options ?? {}) as { holdMs?: unknown; now?: unknown };
  if (typeof holdMs !== 'number') return badInput('TypeError', 'holdMs', holdMs);
  if (!Number.isSafeInteger(holdMs) || holdMs <= 0) return badInput('RangeError', 'holdMs', holdMs);
  if (now !== undefined && typeof now !== 'function') return badInput('TypeError', 'now', now);
  return undefined;
}

/** A seatId, userId or reservationId: a non-empty string. */
function idProblem(parameter: string, value: unknown): Expected<never> | undefined {
  if (typeof value !== 'string') return badInput('TypeError', parameter, value);
  if (value === '') return badInput('RangeError', parameter, value);
  return undefined;
}

function seatIdsProblem(value: unknown): Expected<never> | undefined {
  if (!Array.isArray(value)) return badInput('TypeError', 'seatIds', value);
  const seen = new Set<string>();
  for (const entry of value as unknown[]) {
    if (typeof entry !== 'string') return badInput('TypeError', 'seatIds', entry);
    if (entry === '') return badInput('RangeError', 'seatIds', entry);
    if (seen.has(entry)) return badInput('RangeError', 'seatIds', entry);
    seen.add(entry);
  }
  return undefined;
}

/**
 * Bad input: a TypeError or RangeError whose message names the parameter and says what was
 * received. "seatIds" is also named by a message about one entry that says "seatId".
 */
function badInput(name: 'TypeError' | 'RangeError', parameter: string, received: unknown): Expected<never> {
  return expectError(name, { mentions: [parameterPattern(parameter), receivedPattern(received, name)] });
}

function parameterPattern(parameter: string): RegExp {
  if (parameter === 'seatIds') return /seatId/;
  if (parameter === 'db' || parameter === 'now') return new RegExp(`\\b${parameter}\\b`);
  return new RegExp(parameter);
}

/**
 * "Says what was received": the value itself, or for a value of the wrong type its type. A value
 * of the right type but out of range (0, NaN, a repeated id) must be shown as it is.
 */
export function receivedPattern(value: unknown, error: 'TypeError' | 'RangeError'): RegExp {
  if (value === undefined) return /undefined/;
  if (value === null) return /null/;
  if (value === '') return /""|''|empty/i;
  if (Array.isArray(value)) return /array|object|\[/i;
  switch (typeof value) {
    case 'string':
      return error === 'RangeError' ? literal(value) : new RegExp(`string|${escape(value)}`, 'i');
    case 'number':
      return error === 'RangeError' ? literal(String(value)) : new RegExp(`number|${escape(String(value))}`, 'i');
    case 'boolean':
      return new RegExp(`boolean|${String(value)}`, 'i');
    case 'function':
      return /function/i;
    default:
      return /object|\{/i;
  }
}

function literal(text: string): RegExp {
  return new RegExp(escape(text));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One of the API's errors: its class (by name), its code, its name property and the id it is about. */
function domainError(name: string, code: string, fields: Record<string, unknown>): Expected<never> {
  return expectError(name, { code, fields: { name, ...fields } });
}

function seatNotFound(seatId: string): Expected<never> {
  return domainError('SeatNotFoundError', 'SEAT_NOT_FOUND', { seatId });
}

function reservationNotFound(reservationId: string): Expected<never> {
  return domainError('ReservationNotFoundError', 'RESERVATION_NOT_FOUND', { reservationId });
}

function withReservation(state: SeatModel, reservation: ModelReservation): SeatModel {
  const reservations = new Map(state.reservations);
  reservations.set(reservation.reservationId, reservation);
  return { ...state, reservations };
}

function isFreshId(state: SeatModel, id: unknown): boolean {
  return typeof id === 'string' && id !== '' && !state.reservations.has(id);
}

/** init and addSeats resolve; what with is not part of the contract. */
const ANY_VALUE = satisfies('to resolve', () => true);

function sameMembers(expected: readonly string[]): unknown {
  const want = [...expected].sort();
  return satisfies(`the ids ${JSON.stringify(want)} in any order`, (value) => {
    if (!Array.isArray(value) || value.length !== want.length) return false;
    const got = [...(value as unknown[])].map(String).sort();
    return got.every((id, index) => id === want[index]) && value.every((id) => typeof id === 'string');
  });
}

/** A stable text for a state, for the linearizability search's memo. */
export function stateKey(state: SeatModel): string {
  return JSON.stringify([state.now, [...state.seats], [...state.reservations.values()]]);
}
