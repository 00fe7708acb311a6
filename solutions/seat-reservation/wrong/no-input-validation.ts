/**
 * Bug: trusts its callers. Ids are coerced with String(), so reserveSeat(undefined, ...) looks for
 * a seat called "undefined", an options object without holdMs makes holds that expire at NaN, and
 * the caller learns nothing about what they got wrong.
 * Rejected by: bad-input
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import type { SeatService, SeatServiceOptions } from '../contract.ts';
import { ConditionalUpdateSeatService } from '../index.ts';

export {
  ReservationExpiredError,
  ReservationNotFoundError,
  SeatExistsError,
  SeatNotFoundError,
  SeatUnavailableError,
} from '../index.ts';

class TrustingSeatService extends ConditionalUpdateSeatService {
  protected override id(_name: string, value: unknown): string {
    return String(value);
  }

  protected override seatIdList(value: unknown): string[] {
    return [...new Set(Array.from(value as ArrayLike<unknown>, (item) => String(item)))];
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  return new TrustingSeatService(db, Number(options?.holdMs), options?.now ?? Date.now);
}
