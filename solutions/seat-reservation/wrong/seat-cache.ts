/**
 * Bug: Each instance keeps the set of seat ids it knows in memory (loaded at init(), grown by its own
 * addSeats) to answer "no such seat" without a query. Seats another instance adds later do not
 * exist for it: reserveSeat and getSeat say SeatNotFoundError until it restarts.
 * Violates: instances-share-state
 * Rejected by: second-instance
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  SeatNotFoundError,
  type SeatReservation,
  type SeatState,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

class CachingSeatService extends ConditionalUpdateSeatService {
  private readonly known = new Set<string>();

  override async init(): Promise<void> {
    await super.init();
    for (const row of await this.db.all<{ seat_id: string }>('SELECT seat_id FROM seats')) this.known.add(row.seat_id);
  }

  override async addSeats(seatIds: readonly string[]): Promise<void> {
    const ids = this.seatIdList(seatIds);
    await super.addSeats(ids);
    for (const id of ids) this.known.add(id);
  }

  override async reserveSeat(seatId: string, userId: string): Promise<SeatReservation> {
    const seat = this.id('seatId', seatId);
    if (!this.known.has(seat)) throw new SeatNotFoundError(seat);
    return super.reserveSeat(seat, userId);
  }

  override async getSeat(seatId: string): Promise<SeatState> {
    const seat = this.id('seatId', seatId);
    if (!this.known.has(seat)) throw new SeatNotFoundError(seat);
    return super.getSeat(seat);
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new CachingSeatService(db, holdMs, now);
}
