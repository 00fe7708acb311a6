/**
 * Bug: addSeats reads which of the seats exist, then INSERTs the list when none does: of two
 * concurrent addSeats naming the same new seat, both read "none", and the second INSERT fails with
 * a raw unique violation (23505) instead of SeatExistsError.
 * Violates: concurrent-calls-linearizable
 * Rejected by: linearizable-in-one-process
 *
 * Why only PostgreSQL: on SQLite the check and the INSERT run in one serializable transaction:
 * the one that read before the other committed cannot write (SQLITE_BUSY_SNAPSHOT), the kit runs
 * it again, and the rerun's check finds the seat. At READ COMMITTED the check reads only what was
 * committed when it ran; the INSERT then waits for the other transaction's uncommitted row and
 * fails when that one commits. The base lets the INSERT decide instead: `ON CONFLICT (seat_id)
 * DO NOTHING RETURNING seat_id` waits the same way, then skips the seat and reports it.
 */
import type { Database, Queryable } from '../../../harness/kit/db/index.ts';
import {
  jsonListFor,
  parseSettings,
  PortableSeatService,
  type SeatService,
  type SeatServiceOptions,
} from '../postgres/conditional-update.ts';

export * from '../postgres/conditional-update.ts';

class CheckThenInsertSeatService extends PortableSeatService {
  protected override async insertSeats(tx: Queryable, ids: readonly string[]): Promise<string[]> {
    const list = JSON.stringify([...ids].sort());
    const existing = await tx.all<{ seat_id: string }>(
      this.sql(`SELECT seat_id FROM seats WHERE seat_id IN (SELECT value FROM ${jsonListFor(this.db)})`),
      list,
    );
    if (existing.length > 0) {
      const taken = new Set(existing.map((row) => row.seat_id));
      return ids.filter((id) => !taken.has(id));
    }
    // "None of them exists", as of the SELECT above.
    await tx.run(this.sql(`INSERT INTO seats (seat_id) SELECT value FROM ${jsonListFor(this.db)}`), list);
    return [...ids];
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new CheckThenInsertSeatService(db, holdMs, now);
}
