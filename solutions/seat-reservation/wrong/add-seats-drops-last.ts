/**
 * Bug: addSeats inserts the seats in a loop whose bound is off by one: the last seat of every call
 * is never added (and a call with one seat adds nothing), yet the call resolves.
 * Violates: add-seats
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

class OffByOneSeatService extends ConditionalUpdateSeatService {
  override async addSeats(seatIds: readonly string[]): Promise<void> {
    const ids = this.seatIdList(seatIds);
    await this.db.transaction(async (tx) => {
      const existing = await tx.all<{ seat_id: string }>(
        'SELECT seat_id FROM seats WHERE seat_id IN (SELECT value FROM json_each(?))',
        JSON.stringify(ids),
      );
      if (existing.length > 0) throw new SeatExistsError(existing.map((row) => row.seat_id));
      for (let index = 0; index < ids.length - 1; index++) {
        await tx.run('INSERT INTO seats (seat_id) VALUES (?)', ids[index]!);
      }
    });
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new OffByOneSeatService(db, holdMs, now);
}
