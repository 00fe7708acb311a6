/**
 * Bug: The tables have no primary keys and no indexes, so every lookup by seat id or reservation id
 * reads the whole table. Correct with ten seats; with a stadium of them, every reservation scans
 * every seat while holding the write lock, and throughput collapses.
 * Violates: lookups-indexed
 * Rejected by: hot-lookup-indexed
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import { ConditionalUpdateSeatService, parseSettings, type SeatService, type SeatServiceOptions } from '../index.ts';

export * from '../index.ts';

const UNINDEXED_SCHEMA = `
  CREATE TABLE IF NOT EXISTS seats (
    seat_id        TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'available',
    reservation_id TEXT,
    user_id        TEXT,
    expires_at     INTEGER
  );
  CREATE TABLE IF NOT EXISTS reservations (
    reservation_id TEXT NOT NULL,
    seat_id        TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    status         TEXT NOT NULL
  );
`;

class UnindexedSeatService extends ConditionalUpdateSeatService {
  override async init(): Promise<void> {
    await this.db.exec(UNINDEXED_SCHEMA);
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new UnindexedSeatService(db, holdMs, now);
}
