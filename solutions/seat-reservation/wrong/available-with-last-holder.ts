/**
 * Bug: getSeat maps every column it has: a free seat whose last hold expired comes back as
 * { status: 'available', reservationId, userId } with the old holder's id and name, which leaks who
 * held it and reads, to a client that checks userId, as still taken.
 * Violates: get-seat-available
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

class LeakySeatService extends ConditionalUpdateSeatService {
  protected override stateOf(row: SeatRow, now: number): SeatState {
    const state = super.stateOf(row, now);
    if (state.status !== 'available') return state;
    return { ...state, reservationId: row.reservation_id, userId: row.user_id } as SeatState;
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new LeakySeatService(db, holdMs, now);
}
