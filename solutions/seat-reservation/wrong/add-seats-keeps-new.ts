/**
 * Bug: addSeats inserts the seats that are new (INSERT OR IGNORE), commits, and only then reports the
 * ones that already existed. The caller is told the batch failed, retries it after fixing the
 * list, and now half of it is there already.
 * Violates: add-seats-all-or-none
 * Rejected by: add-seats-all-or-none
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

class PartialBatchSeatService extends ConditionalUpdateSeatService {
  override async addSeats(seatIds: readonly string[]): Promise<void> {
    const ids = this.seatIdList(seatIds);
    if (ids.length === 0) return;
    const list = JSON.stringify(ids);
    const existing = await this.db.transaction(async (tx) => {
      const found = await tx.all<{ seat_id: string }>(
        'SELECT seat_id FROM seats WHERE seat_id IN (SELECT value FROM json_each(?))',
        list,
      );
      await tx.run('INSERT OR IGNORE INTO seats (seat_id) SELECT value FROM json_each(?)', list);
      return found.map((row) => row.seat_id);
    });
    if (existing.length > 0) throw new SeatExistsError(existing);
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new PartialBatchSeatService(db, holdMs, now);
}
