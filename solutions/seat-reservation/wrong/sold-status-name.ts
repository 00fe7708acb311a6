/**
 * Bug: getSeat calls a sold seat 'sold', the word the database column uses in its author's head,
 * instead of the API's 'confirmed': a client that switches on the three documented statuses
 * shows nothing for every sold seat.
 * Violates: get-seat-confirmed
 * Rejected by: seat-lifecycle
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  type SeatRow,
  type SeatState,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class SoldWordSeatService extends ConditionalUpdateSeatService {
  protected override stateOf(row: SeatRow, now: number): SeatState {
    const state = super.stateOf(row, now);
    return state.status === 'confirmed' ? ({ ...state, status: 'sold' } as unknown as SeatState) : state;
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new SoldWordSeatService(db, holdMs, now);
}
