/**
 * Bug: getSeat reports a held seat's expiresAt as the stored number of milliseconds instead of a
 * Date: the countdown a client draws from it is off by the type, not the value.
 * Violates: get-seat-held
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

class NumericHoldSeatService extends ConditionalUpdateSeatService {
  protected override stateOf(row: SeatRow, now: number): SeatState {
    const state = super.stateOf(row, now);
    if (state.status !== 'held') return state;
    return { ...state, expiresAt: row.expires_at as unknown as Date };
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new NumericHoldSeatService(db, holdMs, now);
}
