/**
 * Bug: SeatExistsError lists every id of the batch instead of the ones that already exist: the caller
 * cannot tell which seats to drop from the list and retry with.
 * Violates: seat-exists-names-ids
 * Rejected by: add-seats-all-or-none, typed-errors
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  SeatExistsError,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class BlurrySeatService extends ConditionalUpdateSeatService {
  override async addSeats(seatIds: readonly string[]): Promise<void> {
    const ids = this.seatIdList(seatIds);
    try {
      await super.addSeats(ids);
    } catch (error) {
      if (error instanceof SeatExistsError) throw new SeatExistsError(ids);
      throw error;
    }
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new BlurrySeatService(db, holdMs, now);
}
