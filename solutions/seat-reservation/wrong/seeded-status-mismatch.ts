/**
 * Bug: addSeats stores a new seat as 'free' while the claim looks for 'available' (or an expired
 * hold). getSeat reads anything that is neither held nor sold as available, so the seat looks
 * free, yet nobody can ever hold a seat that was never held: two names for one state.
 * Violates: reserve-free-seat
 * Rejected by: seat-lifecycle, same-user-after-hold-ended, model-sequences
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  SCHEMA,
  SeatExistsError,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

const FREE_SCHEMA = SCHEMA.replace(
  "CHECK (status IN ('available', 'held', 'confirmed'))",
  "CHECK (status IN ('free', 'available', 'held', 'confirmed'))",
);

class UnholdableSeatService extends ConditionalUpdateSeatService {
  override async init(): Promise<void> {
    await this.db.exec(FREE_SCHEMA);
  }

  override async addSeats(seatIds: readonly string[]): Promise<void> {
    const ids = this.seatIdList(seatIds);
    if (ids.length === 0) return;
    const list = JSON.stringify(ids);
    await this.db.transaction(async (tx) => {
      const existing = await tx.all<{ seat_id: string }>(
        'SELECT seat_id FROM seats WHERE seat_id IN (SELECT value FROM json_each(?))',
        list,
      );
      if (existing.length > 0) throw new SeatExistsError(existing.map((row) => row.seat_id));
      await tx.run("INSERT INTO seats (seat_id, status) SELECT value, 'free' FROM json_each(?)", list);
    });
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new UnholdableSeatService(db, holdMs, now);
}
