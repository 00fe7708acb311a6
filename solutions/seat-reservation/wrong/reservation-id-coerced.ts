/**
 * Bug: A reservation id that is not a string is turned into one with String(): confirm(42) or
 * release(undefined) look for a reservation called "42" or "undefined" and report it not found,
 * instead of a TypeError that tells the caller their code passes the wrong thing.
 * Violates: bad-reservation-id
 * Rejected by: bad-input
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import { ConditionalUpdateSeatService, parseSettings, type SeatService, type SeatServiceOptions } from '../index.ts';

export * from '../index.ts';

class CoercingSeatService extends ConditionalUpdateSeatService {
  protected override id(name: string, value: unknown): string {
    return super.id(name, name === 'reservationId' && typeof value !== 'string' ? String(value) : value);
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new CoercingSeatService(db, holdMs, now);
}
