/**
 * A call of the service as data, so that the model, a recorded history and a worker thread can all
 * speak of it: run it, or describe it in words.
 */
import { settle, type Outcome } from '../../harness/kit/outcome.ts';
import type { SeatCall } from './model.ts';
import type * as SeatKata from './index.ts';

export type Impl = typeof SeatKata;
export type Service = SeatKata.SeatService;

/** createSeatService called with the arguments as given, for bad-input cases. */
export interface CreateCall {
  readonly kind: 'create';
  /** Whether `db` is the kit's handle (the model cannot tell an object from a handle). */
  readonly dbIsHandle: boolean;
  readonly db: unknown;
  readonly options: unknown;
}

export type ServiceCall = SeatCall | CreateCall;

/** Runs the call on the service (createSeatService for a CreateCall) and returns what it returns. */
export function invokeService(impl: Impl, service: Service, call: ServiceCall): unknown {
  const loose = service as unknown as Record<string, (...args: unknown[]) => unknown>;
  switch (call.kind) {
    case 'create':
      return (impl.createSeatService as unknown as (db: unknown, options: unknown) => unknown)(call.db, call.options);
    case 'init':
      return loose.init!();
    case 'addSeats':
      return loose.addSeats!(call.seatIds);
    case 'reserveSeat':
      return loose.reserveSeat!(call.seatId, call.userId);
    case 'confirm':
      return loose.confirm!(call.reservationId);
    case 'release':
      return loose.release!(call.reservationId);
    case 'getSeat':
      return loose.getSeat!(call.seatId);
  }
}

/** Runs the call and reports how it ended; a synchronous throw is a rejection like any other. */
export function callService(impl: Impl, service: Service, call: ServiceCall): Promise<Outcome<unknown>> {
  return settle(() => invokeService(impl, service, call));
}

export function describeCall(call: ServiceCall, name?: (reservationId: unknown) => string): string {
  const id = (value: unknown): string => name?.(value) ?? showArg(value);
  switch (call.kind) {
    case 'create':
      return `createSeatService(${call.dbIsHandle ? 'db' : showArg(call.db)}, ${showOptions(call.options)})`;
    case 'init':
      return 'init()';
    case 'addSeats':
      return `addSeats(${Array.isArray(call.seatIds) ? showList(call.seatIds) : showArg(call.seatIds)})`;
    case 'reserveSeat':
      return `reserveSeat(${showArg(call.seatId)}, ${showArg(call.userId)})`;
    case 'confirm':
      return `confirm(${id(call.reservationId)})`;
    case 'release':
      return `release(${id(call.reservationId)})`;
    case 'getSeat':
      return `getSeat(${showArg(call.seatId)})`;
  }
}

/** A list of ids as written, a long one shortened to its first and last few and its length. */
function showList(ids: readonly unknown[]): string {
  if (ids.length <= 12) return `[${ids.map(showArg).join(', ')}]`;
  return `[${ids.slice(0, 4).map(showArg).join(', ')}, ... ${ids.length - 6} more ..., ${ids.slice(-2).map(showArg).join(', ')}] (${ids.length} ids)`;
}

function showOptions(options: unknown): string {
  if (typeof options !== 'object' || options === null) return showArg(options);
  const entries = Object.entries(options).map(([key, value]) => `${key}: ${showArg(value)}`);
  return `{ ${entries.join(', ')} }`;
}

/** Renders a value for a step description: strings quoted (escapes visible), the rest as written. */
export function showArg(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return '() => ...';
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
