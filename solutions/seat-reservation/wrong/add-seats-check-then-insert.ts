/**
 * Bug: addSeats looks for existing ids in one statement and inserts (ignoring duplicates) in another.
 * Two batches naming the same new seat at once both find nothing, both insert, and both are told
 * they added it; one of them should have got SeatExistsError.
 * Violates: concurrent-calls-linearizable
 * Rejected by: linearizable-in-one-process
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

class RacyBatchSeatService extends ConditionalUpdateSeatService {
  override async addSeats(seatIds: readonly string[]): Promise<void> {
    const ids = this.seatIdList(seatIds);
    if (ids.length === 0) return;
    const list = JSON.stringify(ids);
    const existing = await this.db.all<{ seat_id: string }>(
      'SELECT seat_id FROM seats WHERE seat_id IN (SELECT value FROM json_each(?))',
      list,
    );
    if (existing.length > 0) throw new SeatExistsError(existing.map((row) => row.seat_id));
    await this.db.run('INSERT OR IGNORE INTO seats (seat_id) SELECT value FROM json_each(?)', list);
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new RacyBatchSeatService(db, holdMs, now);
}
