/**
 * Bug: getSeat answers { status: 'available' } for a seat id that does not exist, so a client happily
 * offers a seat that reserveSeat will then refuse as unknown.
 * Violates: get-seat-unknown
 * Rejected by: typed-errors
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  type SeatRow,
  type SeatState,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class OptimisticReadSeatService extends ConditionalUpdateSeatService {
  override async getSeat(seatId: string): Promise<SeatState> {
    const seat = this.id('seatId', seatId);
    const row = await this.db.get<SeatRow>('SELECT * FROM seats WHERE seat_id = ?', seat);
    if (row === undefined) return { seatId: seat, status: 'available' };
    return this.stateOf(row, this.now());
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new OptimisticReadSeatService(db, holdMs, now);
}
