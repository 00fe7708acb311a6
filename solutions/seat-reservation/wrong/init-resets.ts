/**
 * Bug: init() drops the tables and creates them afresh ("a clean start"). The second app instance to
 * start, or any restart, wipes every seat, hold and sale the others made.
 * Violates: init-idempotent
 * Rejected by: second-instance
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

class ResettingSeatService extends ConditionalUpdateSeatService {
  override async init(): Promise<void> {
    await this.db.exec(`DROP TABLE IF EXISTS reservations; DROP TABLE IF EXISTS seats; ${SCHEMA}`);
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new ResettingSeatService(db, holdMs, now);
}
