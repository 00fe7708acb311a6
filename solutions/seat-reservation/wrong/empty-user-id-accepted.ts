/**
 * Bug: User ids are checked to be strings but not to be non-empty: reserveSeat("A1", "") holds the
 * seat for nobody, and every anonymous request after it is "the same user".
 * Violates: bad-user-id
 * Rejected by: bad-input
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import { ConditionalUpdateSeatService, parseSettings, type SeatService, type SeatServiceOptions } from '../index.ts';

export * from '../index.ts';

class LaxUserIdService extends ConditionalUpdateSeatService {
  protected override id(name: string, value: unknown): string {
    if (name === 'userId' && value === '') return value;
    return super.id(name, value);
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new LaxUserIdService(db, holdMs, now);
}
