/**
 * One app instance behind the load balancer, run by the spec in a worker thread of its own: its own
 * copy of the module (no memory shared with the other instances), its own connections to the shared
 * database file, its own clock set to the spec's time. Every instance reserves the same seat for
 * its own users, all at once.
 */
import { createManualClock } from '../../harness/kit/clock.ts';
import { defineWorkerScenario, settleAll, type Settled } from '../../harness/kit/workers/scenario.ts';
import type * as SeatReservation from './index.ts';

export interface AppInstanceArgs {
  readonly seatId: string;
  readonly usersPerInstance: number;
  readonly holdMs: number;
  readonly nowMs: number;
}

export interface ReservedSeat {
  /** Who called reserveSeat. */
  readonly caller: string;
  readonly reservationId: string;
  readonly seatId: string;
  readonly userId: string;
  readonly status: string;
}

export type AppInstanceResult = Settled<ReservedSeat>[];

export default defineWorkerScenario<typeof SeatReservation, AppInstanceArgs, AppInstanceResult>(
  async ({ impl, db, args, workerIndex, start }) => {
    const clock = createManualClock({ startMs: args.nowMs });
    const service = impl.createSeatService(db, { holdMs: args.holdMs, now: clock.now });
    await service.init();
    const users = Array.from({ length: args.usersPerInstance }, (_, index) => `user-${workerIndex + 1}-${index}`);
    await start();
    return settleAll(
      users.map(async (caller) => {
        const { reservationId, seatId, userId, status } = await service.reserveSeat(args.seatId, caller);
        return { caller, reservationId, seatId, userId, status };
      }),
    );
  },
);
