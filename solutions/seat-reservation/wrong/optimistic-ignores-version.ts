/**
 * Bug: optimistic locking without the lock. It reads the seat's version, decides, and writes
 * `version = version + 1`, but the UPDATE's WHERE clause never checks that the version is still
 * the one it read, so every concurrent writer "wins" (changes = 1) and the bumped version proves
 * nothing.
 * Violates: reserve-exactly-one-winner
 * Rejected by: one-winner, one-winner-across-instances, many-seats-many-users, hold-expiry
 */
import type { Database } from '../../../harness/kit/db/index.ts';
import {
  newReservationId,
  parseSettings,
  SeatNotFoundError,
  SeatUnavailableError,
  toReservation,
  type ReservationRow,
  type SeatReservation,
  type SeatService,
  type SeatServiceOptions,
  ConditionalUpdateSeatService,
  SCHEMA,
  seatState,
  type SeatRow,
} from '../index.ts';

export {
  ReservationExpiredError,
  ReservationNotFoundError,
  SeatExistsError,
  SeatNotFoundError,
  SeatUnavailableError,
} from '../index.ts';

const VERSIONED_SCHEMA = SCHEMA.replace(
  'expires_at     INTEGER\n  ) WITHOUT ROWID;',
  'expires_at     INTEGER,\n    version        INTEGER NOT NULL DEFAULT 0\n  ) WITHOUT ROWID;',
);

class VersionIgnoredSeatService extends ConditionalUpdateSeatService {
  override async init(): Promise<void> {
    await this.db.exec(VERSIONED_SCHEMA);
  }

  override async reserveSeat(seatId: string, userId: string): Promise<SeatReservation> {
    const seat = this.id('seatId', seatId);
    const user = this.id('userId', userId);
    const now = this.now();
    const current = await this.db.get<SeatRow & { version: number }>('SELECT * FROM seats WHERE seat_id = ?', seat);
    if (current === undefined) throw new SeatNotFoundError(seat);
    const state = seatState(current, now);
    if (state.status !== 'available') {
      if (state.userId === user) return toReservation(await this.loadReservation(this.db, state.reservationId));
      throw new SeatUnavailableError(seat);
    }
    const row: ReservationRow = {
      reservation_id: newReservationId(),
      seat_id: seat,
      user_id: user,
      created_at: now,
      expires_at: now + this.holdMs,
      status: 'held',
    };
    return this.db.transaction(async (tx) => {
      const written = await tx.run(
        `UPDATE seats SET status = 'held', reservation_id = ?, user_id = ?, expires_at = ?, version = version + 1
          WHERE seat_id = ?`, // missing: AND version = current.version
        row.reservation_id,
        user,
        row.expires_at,
        seat,
      );
      if (written.changes === 0) throw new SeatUnavailableError(seat);
      await this.insertReservation(tx, row);
      return toReservation(row);
    });
  }
}

export function createSeatService(db: Database, options: SeatServiceOptions): SeatService {
  const { holdMs, now } = parseSettings(db, options);
  return new VersionIgnoredSeatService(db, holdMs, now);
}
