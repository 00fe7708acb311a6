/**
 * Bug: Seat ids are Unicode-normalized (NFC) on the way in, "so that café is café". But ids are
 * opaque: 'café' typed with a combining accent is another seat, and here adding both fails, and
 * asking for one answers with the other's id.
 * Violates: ids-opaque
 * Rejected by: opaque-ids
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import { ConditionalUpdateSeatService, parseSettings, type SeatService, type SeatServiceOptions } from '../index.ts';

export * from '../index.ts';

class NormalizingSeatService extends ConditionalUpdateSeatService {
  protected override id(name: string, value: unknown): string {
    const id = super.id(name, value);
    return name === 'seatId' ? id.normalize('NFC') : id;
  }

  protected override seatIdList(value: unknown): string[] {
    return super.seatIdList(value).map((id) => id.normalize('NFC'));
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new NormalizingSeatService(db, holdMs, now);
}
