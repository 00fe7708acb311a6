/**
 * Bug: The seat id columns are declared NUMERIC ("seat numbers are numbers"). SQLite then stores
 * every id that reads as a number as that number: '7', '07', '7.0' and '+7' become the one key 7,
 * so adding '07' after '7' fails, a hold on '07' is a hold on '7', and getSeat answers with the
 * number 7 instead of the id it was asked about. Ids are opaque strings.
 * Violates: ids-opaque
 * Rejected by: opaque-ids
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  SCHEMA,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

const NUMERIC_SEAT_IDS = SCHEMA.replace(
  'seat_id        TEXT PRIMARY KEY',
  'seat_id        NUMERIC PRIMARY KEY',
).replace('seat_id        TEXT NOT NULL REFERENCES', 'seat_id        NUMERIC NOT NULL REFERENCES');

class NumericSeatIdService extends ConditionalUpdateSeatService {
  override async init(): Promise<void> {
    await this.db.exec(NUMERIC_SEAT_IDS);
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new NumericSeatIdService(db, holdMs, now);
}
