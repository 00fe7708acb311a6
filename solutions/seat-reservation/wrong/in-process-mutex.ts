/**
 * Bug: Guards the read-decide-write with a mutex that lives in this process's memory. In one
 * process it serialises every reservation and looks perfect; behind a load balancer each of the
 * four app instances has its own mutex, all four read "free", and all four sell the seat.
 * Violates: reserve-exactly-one-winner
 * Rejected by: one-winner-across-instances
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  ConditionalUpdateSeatService,
  parseSettings,
  SeatNotFoundError,
  SeatUnavailableError,
  type SeatReservation,
  type SeatRow,
  type SeatService,
  type SeatServiceOptions,
} from '../index.ts';

export * from '../index.ts';

/** One lock per process: what `new Mutex()` at module scope gives you. */
let tail: Promise<unknown> = Promise.resolve();
function exclusive<T>(work: () => Promise<T>): Promise<T> {
  const run = tail.then(work, work);
  tail = run.catch(() => undefined);
  return run;
}

class MutexSeatService extends ConditionalUpdateSeatService {
  override reserveSeat(seatId: string, userId: string): Promise<SeatReservation> {
    const seat = this.id('seatId', seatId);
    const user = this.id('userId', userId);
    return exclusive(async () => {
      const now = this.now();
      const current = await this.db.get<SeatRow>('SELECT * FROM seats WHERE seat_id = ?', seat);
      if (current === undefined) throw new SeatNotFoundError(seat);
      const state = this.stateOf(current, now);
      if (state.status !== 'available') {
        if (state.userId === user) return this.reservationOf(await this.loadReservation(this.db, state.reservationId));
        throw new SeatUnavailableError(seat);
      }
      const row = this.newHold(seat, user, now);
      await this.db.transaction(async (tx) => {
        await tx.run(
          "UPDATE seats SET status = 'held', reservation_id = ?, user_id = ?, expires_at = ? WHERE seat_id = ?",
          row.reservation_id,
          user,
          row.expires_at,
          seat,
        );
        await this.insertReservation(tx, row);
      });
      return this.reservationOf(row);
    });
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new MutexSeatService(db, holdMs, now);
}
