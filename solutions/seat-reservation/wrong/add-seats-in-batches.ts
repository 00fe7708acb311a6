/**
 * Bug: addSeats works through a long list in batches of 100 ids (to stay under the database's
 * parameter limit), each batch its own transaction. A batch that meets an existing id is rejected
 * whole, but the batches before it are committed: the caller is told the list failed, and the first
 * hundreds of its seats exist.
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

const BATCH = 100;

class BatchedSeatService extends ConditionalUpdateSeatService {
  override async addSeats(seatIds: readonly string[]): Promise<void> {
    const ids = this.seatIdList(seatIds);
    for (let start = 0; start < ids.length; start += BATCH) {
      const list = JSON.stringify(ids.slice(start, start + BATCH));
      await this.db.transaction(
        async (tx) => {
          const existing = await tx.all<{ seat_id: string }>(
            'SELECT seat_id FROM seats WHERE seat_id IN (SELECT value FROM json_each(?))',
            list,
          );
          if (existing.length > 0) throw new SeatExistsError(existing.map((row) => row.seat_id));
          await tx.run('INSERT INTO seats (seat_id) SELECT value FROM json_each(?)', list);
        },
        { mode: 'immediate' },
      );
    }
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new BatchedSeatService(db, holdMs, now);
}
