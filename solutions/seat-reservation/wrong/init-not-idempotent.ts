/**
 * Bug: init() runs CREATE TABLE without IF NOT EXISTS: the first instance starts, and every instance
 * after it (or the first one restarting) fails at startup with "table seats already exists".
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

class OnceInitSeatService extends ConditionalUpdateSeatService {
  override async init(): Promise<void> {
    await this.db.exec(SCHEMA.replaceAll('IF NOT EXISTS ', ''));
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new OnceInitSeatService(db, holdMs, now);
}
