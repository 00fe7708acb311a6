import fc from 'fast-check';
import { setImmediate } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { createTestDatabase, type TableDump, type TestDatabase } from '../../harness/kit/db/index.ts';
import { createManualClock, defineSpec, type ManualClock } from '../../harness/kit/index.ts';
import { runWorkers } from '../../harness/kit/workers/index.ts';
import type { AppInstanceArgs, AppInstanceResult } from './app-instance.ts';
import type * as SeatKata from './index.ts';

type Impl = typeof SeatKata;
type Service = SeatKata.SeatService;
type Reservation = SeatKata.SeatReservation;

const HOLD_MS = 10 * 60_000;
const appInstanceFile = fileURLToPath(new URL('./app-instance.ts', import.meta.url));

interface Fixture {
  readonly testDb: TestDatabase;
  readonly clock: ManualClock;
  readonly service: Service;
}

interface FixtureOptions {
  /** Seeds the order in which concurrent callers reach the database. */
  readonly seed?: number;
  /** Event-loop turns the database may take per statement; 0 answers at once. */
  readonly maxYields?: number;
  readonly seats?: readonly string[];
}

/** A fresh database and service per use, closed (and its directory deleted) afterwards. */
async function withService<T>(impl: Impl, options: FixtureOptions, body: (fixture: Fixture) => Promise<T>): Promise<T> {
  const testDb = createTestDatabase({ seed: options.seed ?? 0, maxYields: options.maxYields ?? 0 });
  try {
    const clock = createManualClock();
    const service = impl.createSeatService(testDb.db, { holdMs: HOLD_MS, now: clock.now });
    await service.init();
    if (options.seats !== undefined && options.seats.length > 0) await service.addSeats(options.seats);
    return await body({ testDb, clock, service });
  } finally {
    await testDb.close();
  }
}

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** Runs a call, catching synchronous throws too, and reports how it ended. */
async function attempt<T>(call: () => Promise<T> | T): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    return { ok: false, error };
  }
}

function codeOf(error: unknown): string {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  if (typeof code === 'string') return code;
  if (typeof name === 'string') return `${name} without a code`;
  return `non-error ${String(error)}`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? `${item}n` : item));
  return text === undefined ? String(value) : text.length > 160 ? `${text.slice(0, 159)}…` : text;
}

/** "resolved <value>" or "rejected CODE: message", for messages that read as facts. */
function describeOutcome(outcome: Outcome<unknown>): string {
  if (outcome.ok) return `resolved ${show(outcome.value)}`;
  const message = (outcome.error as { message?: unknown } | null)?.message;
  return `rejected ${codeOf(outcome.error)}${typeof message === 'string' ? `: ${message}` : ''}`;
}

async function expectRejection(call: () => Promise<unknown>, code: string, what: string): Promise<unknown> {
  const outcome = await attempt(call);
  const got = outcome.ok ? describeOutcome(outcome) : codeOf(outcome.error);
  expect(got, `${what} should reject with ${code} but ${outcome.ok ? got : describeOutcome(outcome)}`).toBe(code);
  return outcome.ok ? undefined : outcome.error;
}

async function expectResolved<T>(call: () => Promise<T>, what: string): Promise<T> {
  const outcome = await attempt(call);
  if (!outcome.ok) expect.fail(`${what} should resolve but ${describeOutcome(outcome)}`);
  return outcome.value;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function seatIds(count: number, prefix = 'S'): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}${index}`);
}

/** What changed between two dumps, per table; '' when nothing did. */
function dumpDifference(before: TableDump, after: TableDump): string {
  const changes: string[] = [];
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const was = new Set((before[table] ?? []).map(show));
    const now = new Set((after[table] ?? []).map(show));
    const added = [...now].filter((row) => !was.has(row));
    const removed = [...was].filter((row) => !now.has(row));
    if (added.length === 0 && removed.length === 0) continue;
    const example = added[0] ?? removed[0];
    changes.push(`${table}: ${added.length} row(s) added, ${removed.length} removed (e.g. ${example})`);
  }
  return changes.join('; ');
}

interface Call {
  readonly seatId: string;
  readonly userId: string;
}

/**
 * The invariants of many users racing for many seats: nobody is told they hold a seat they do
 * not, no seat has two holders, every seat somebody asked for went to somebody, and the database
 * agrees with what the callers were told.
 */
async function expectConsistentHolds(
  service: Service,
  seats: readonly string[],
  calls: readonly Call[],
  outcomes: readonly Outcome<Reservation>[],
): Promise<void> {
  const holders = new Map<string, Map<string, string>>();
  const misdirected: string[] = [];
  const strays: string[] = [];
  calls.forEach((call, index) => {
    const outcome = outcomes[index]!;
    if (!outcome.ok) {
      if (codeOf(outcome.error) !== 'SEAT_UNAVAILABLE') {
        strays.push(`${call.userId} reserving ${call.seatId} ${describeOutcome(outcome)}`);
      }
      return;
    }
    const { seatId, userId, reservationId } = outcome.value;
    if (seatId !== call.seatId || userId !== call.userId) {
      misdirected.push(`${call.userId} asked for seat ${call.seatId} and was told they hold ${show(outcome.value)}`);
    }
    const seatHolders = holders.get(seatId) ?? new Map<string, string>();
    seatHolders.set(reservationId, userId);
    holders.set(seatId, seatHolders);
  });
  for (const [seatId, seatHolders] of holders) {
    const told = [...seatHolders.entries()].map(([id, user]) => `${user} (${id})`);
    const shown = told.slice(0, 3).join(', ') + (told.length > 3 ? ', ...' : '');
    expect(told.length, `seat ${seatId} was given to ${told.length} reservations: ${shown}`).toBe(1);
  }
  expect(
    misdirected.length,
    `${misdirected.length} caller(s) were told they hold a seat they did not ask for, e.g. ${misdirected[0]}`,
  ).toBe(0);
  expect(strays.length, `${strays.length} losing caller(s) did not get SEAT_UNAVAILABLE, e.g. ${strays[0]}`).toBe(0);
  for (const seatId of seats) {
    const asked = calls.filter((call) => call.seatId === seatId).length;
    const seatHolders = holders.get(seatId);
    const state = await expectResolved(() => service.getSeat(seatId), `getSeat("${seatId}") after the race`);
    if (asked === 0) {
      expect(state.status, `seat ${seatId} was never asked for, yet getSeat says ${show(state)}`).toBe('available');
      continue;
    }
    expect(seatHolders?.size ?? 0, `seat ${seatId} was asked for ${asked} time(s) and nobody got it`).toBe(1);
    const [reservationId, userId] = [...seatHolders!.entries()][0]!;
    expect(
      state,
      `getSeat("${seatId}") should show the hold of ${userId} (${reservationId}) but shows ${show(state)}`,
    ).toMatchObject({ status: 'held', userId, reservationId });
  }
}

export default defineSpec<Impl>('seat-reservation', ({ check }) => {
  check(
    {
      id: 'one-winner',
      title: 'exactly one of 1000 concurrent reservations of the last seat succeeds; reads agree',
      item: 'race-conditions',
      weight: 3,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 20_000,
    },
    ({ impl, seed }) =>
      withService(impl, { seed, maxYields: 3, seats: ['A1'] }, async ({ service }) => {
        let step = 0;
        let winnerToldAt = Number.POSITIVE_INFINITY;
        const reservations = Array.from({ length: 1000 }, (_, index) => {
          const userId = `user-${index}`;
          return attempt(() => service.reserveSeat('A1', userId)).then((outcome) => {
            if (outcome.ok) winnerToldAt = Math.min(winnerToldAt, ++step);
            return { userId, outcome };
          });
        });
        // Reads while the race runs, some after the winner has been told, so the history can be judged.
        const reads: Promise<{ startedAt: number; outcome: Outcome<SeatKata.SeatState> }>[] = [];
        for (let wave = 0; wave < 10; wave++) {
          await nextTurn();
          for (let read = 0; read < 10; read++) {
            const startedAt = ++step;
            reads.push(attempt(() => service.getSeat('A1')).then((outcome) => ({ startedAt, outcome })));
          }
        }
        const results = await Promise.all(reservations);
        const winners = results.filter((result) => result.outcome.ok);
        expect(winners.length, `${winners.length} of 1000 concurrent reservations of seat A1 succeeded`).toBe(1);
        const strays = results.filter(
          (result) => !result.outcome.ok && codeOf(result.outcome.error) !== 'SEAT_UNAVAILABLE',
        );
        expect(
          strays.length,
          `${strays.length} losing reservations did not reject with SEAT_UNAVAILABLE, e.g. ${strays[0]?.userId} ${
            strays[0] ? describeOutcome(strays[0].outcome) : ''
          }`,
        ).toBe(0);
        const winner = winners[0]!;
        const reservation = (winner.outcome as { value: Reservation }).value;
        expect(reservation, `the winning reservation of ${winner.userId}`).toMatchObject({
          seatId: 'A1',
          userId: winner.userId,
          status: 'held',
        });
        const after = await expectResolved(() => service.getSeat('A1'), 'getSeat("A1") after the race');
        expect(after, `getSeat("A1") after ${winner.userId} won shows ${show(after)}`).toMatchObject({
          status: 'held',
          userId: winner.userId,
          reservationId: reservation.reservationId,
        });
        for (const { startedAt, outcome } of await Promise.all(reads)) {
          if (!outcome.ok) expect.fail(`getSeat("A1") during the race ${describeOutcome(outcome)}`);
          const seen = outcome.value;
          if (seen.status === 'available') {
            expect(
              startedAt < winnerToldAt,
              `a getSeat("A1") started after ${winner.userId} was told they won still saw the seat available`,
            ).toBe(true);
            continue;
          }
          expect(
            seen,
            `a getSeat("A1") during the race saw ${show(seen)}, but ${winner.userId} won with ${reservation.reservationId}`,
          ).toMatchObject({ status: 'held', userId: winner.userId, reservationId: reservation.reservationId });
        }
      }),
  );

  check(
    {
      id: 'one-winner-across-instances',
      title: 'exactly one of 1000 reservations of one seat succeeds across 4 app instances on one database',
      item: 'load-balancing',
      weight: 3,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 30_000,
    },
    ({ impl, seed, targetFile }) =>
      withService(impl, { seats: ['A1'] }, async ({ testDb, clock, service }) => {
        const perInstance = await runWorkers<AppInstanceResult, AppInstanceArgs>({
          scenarioFile: appInstanceFile,
          targetFile,
          databaseFile: testDb.file,
          workers: 4,
          seed,
          args: { seatId: 'A1', usersPerInstance: 250, holdMs: HOLD_MS, nowMs: clock.now() },
          database: { maxYields: 2 },
        });
        const all = perInstance.flat();
        const winners = all.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
        const tally = perInstance
          .map((outcomes, index) => `instance ${index + 1}: ${outcomes.filter((o) => o.status === 'fulfilled').length}`)
          .join(', ');
        expect(
          winners.length,
          `${winners.length} of 1000 reservations of seat A1 across 4 app instances succeeded (${tally})`,
        ).toBe(1);
        const stray = all.find((outcome) => outcome.status === 'rejected' && outcome.error.code !== 'SEAT_UNAVAILABLE');
        expect(
          stray,
          `a losing reservation in another instance rejected with ${stray?.status === 'rejected' ? `${stray.error.code ?? stray.error.name}: ${stray.error.message}` : ''} instead of SEAT_UNAVAILABLE`,
        ).toBeUndefined();
        const winner = winners[0]!;
        expect(winner, 'the winning reservation').toMatchObject({
          seatId: 'A1',
          userId: winner.caller,
          status: 'held',
        });
        const after = await expectResolved(() => service.getSeat('A1'), 'getSeat("A1") after the race');
        expect(after, `getSeat("A1") after ${winner.caller} won shows ${show(after)}`).toMatchObject({
          status: 'held',
          userId: winner.caller,
          reservationId: winner.reservationId,
        });
      }),
  );

  check(
    {
      id: 'many-seats-many-users',
      title: 'many users racing for many seats: no seat held twice, nobody told they hold a seat they do not',
      item: 'race-conditions',
      weight: 2,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 30_000,
    },
    async ({ impl, seed, property }) => {
      // One user, two seats, one after the other: holding S0 is no answer to a request for S1.
      await withService(impl, { seats: ['S0', 'S1'] }, async ({ service }) => {
        const calls = [
          { seatId: 'S0', userId: 'user-1' },
          { seatId: 'S1', userId: 'user-1' },
        ];
        const outcomes: Outcome<Reservation>[] = [];
        for (const call of calls) outcomes.push(await attempt(() => service.reserveSeat(call.seatId, call.userId)));
        await expectConsistentHolds(service, ['S0', 'S1'], calls, outcomes);
      });
      // A fixed crowd: 100 users, each after 3 of 10 seats, each retrying their first pick.
      const seats = seatIds(10);
      const calls: Call[] = [];
      for (let user = 0; user < 100; user++) {
        const picks = [user % 10, (user * 3 + 1) % 10, (user * 7 + 4) % 10];
        for (const pick of [...new Set(picks), picks[0]!]) calls.push({ seatId: seats[pick]!, userId: `user-${user}` });
      }
      await withService(impl, { seed, maxYields: 3, seats }, async ({ service }) => {
        const outcomes = await Promise.all(
          calls.map((call) => attempt(() => service.reserveSeat(call.seatId, call.userId))),
        );
        await expectConsistentHolds(service, seats, calls, outcomes);
      });
      // Then generated crowds, each with its own interleaving.
      const crowd = fc
        .record({
          seats: fc.integer({ min: 1, max: 8 }),
          users: fc.integer({ min: 1, max: 12 }),
          interleaving: fc.integer(),
        })
        .chain(({ seats: seatCount, users, interleaving }) =>
          fc.record({
            seatCount: fc.constant(seatCount),
            interleaving: fc.constant(interleaving),
            picks: fc.array(fc.tuple(fc.nat({ max: seatCount - 1 }), fc.nat({ max: users - 1 })), {
              minLength: 1,
              maxLength: 80,
            }),
          }),
        );
      await property(
        fc.asyncProperty(crowd, async ({ seatCount, interleaving, picks }) => {
          const generatedSeats = seatIds(seatCount, 'G');
          const generatedCalls = picks.map(([seat, user]) => ({ seatId: generatedSeats[seat]!, userId: `u${user}` }));
          await withService(impl, { seed: interleaving, maxYields: 3, seats: generatedSeats }, async ({ service }) => {
            const outcomes = await Promise.all(
              generatedCalls.map((call) => attempt(() => service.reserveSeat(call.seatId, call.userId))),
            );
            await expectConsistentHolds(service, generatedSeats, generatedCalls, outcomes);
          });
        }),
        { numRuns: 12, timeoutMs: 10_000 },
      );
    },
  );

  check(
    {
      id: 'hold-expiry',
      title: 'a hold lasts holdMs: then the seat is free again, and exactly one of 200 waiting users gets it',
      item: 'locking',
      weight: 2,
      timeoutMs: 15_000,
    },
    ({ impl, seed }) =>
      withService(impl, { seed, maxYields: 3, seats: ['A1'] }, async ({ service, clock }) => {
        const first = await expectResolved(() => service.reserveSeat('A1', 'user-1'), 'user-1 reserving free seat A1');
        await clock.advance(HOLD_MS - 1);
        await expectRejection(
          () => service.reserveSeat('A1', 'user-2'),
          'SEAT_UNAVAILABLE',
          "user-2 reserving A1 1 ms before user-1's hold expires",
        );
        await clock.advance(1);
        const atExpiry = await expectResolved(() => service.getSeat('A1'), 'getSeat("A1")');
        expect(atExpiry.status, `getSeat("A1") when user-1's hold expired shows ${show(atExpiry)}`).toBe('available');
        const second = await expectResolved(
          () => service.reserveSeat('A1', 'user-2'),
          "user-2 reserving A1 once user-1's hold expired",
        );
        expect(second, "user-2's hold on A1").toMatchObject({ seatId: 'A1', userId: 'user-2', status: 'held' });
        expect(second.reservationId, "user-2's hold is a new reservation").not.toBe(first.reservationId);
        expect(second.expiresAt.getTime(), "user-2's hold expires holdMs after it was made").toBe(
          clock.now() + HOLD_MS,
        );
        const seat = await expectResolved(() => service.getSeat('A1'), 'getSeat("A1")');
        expect(seat, `getSeat("A1") after user-2 took the expired hold shows ${show(seat)}`).toMatchObject({
          status: 'held',
          userId: 'user-2',
          reservationId: second.reservationId,
        });
        await clock.advance(HOLD_MS);
        const racers = await Promise.all(
          Array.from({ length: 200 }, (_, index) => attempt(() => service.reserveSeat('A1', `racer-${index}`))),
        );
        const winners = racers.filter((outcome) => outcome.ok).length;
        expect(winners, `${winners} of 200 concurrent reservations of A1's expired hold succeeded`).toBe(1);
        const stray = racers.find((outcome) => !outcome.ok && codeOf(outcome.error) !== 'SEAT_UNAVAILABLE');
        expect(stray && describeOutcome(stray), 'a losing racer for the expired hold').toBeUndefined();
      }),
  );

  check(
    {
      id: 'paused-holder-fenced',
      title: "a holder paused past its expiry can neither confirm nor release the next holder's hold",
      item: 'distributed-systems',
      weight: 2,
      redFlag: 'no-concurrency-handling',
    },
    ({ impl }) =>
      withService(impl, { seats: ['A1'] }, async ({ service, clock }) => {
        const stale = await expectResolved(() => service.reserveSeat('A1', 'user-1'), 'user-1 reserving A1');
        // user-1's process stalls (a GC pause, a slow payment provider) past the end of its hold.
        await clock.advance(HOLD_MS);
        await expectRejection(
          () => service.confirm(stale.reservationId),
          'RESERVATION_EXPIRED',
          "confirm of user-1's hold after it expired (nobody else has taken A1 yet)",
        );
        const free = await expectResolved(() => service.getSeat('A1'), 'getSeat("A1")');
        expect(free.status, `getSeat("A1") after a late confirm of an expired hold shows ${show(free)}`).toBe(
          'available',
        );
        const next = await expectResolved(() => service.reserveSeat('A1', 'user-2'), 'user-2 reserving A1');
        const released = await attempt(() => service.release(stale.reservationId));
        expect(describeOutcome(released), "release of user-1's expired hold after user-2 took A1").toBe(
          'resolved false',
        );
        await expectRejection(
          () => service.confirm(stale.reservationId),
          'RESERVATION_EXPIRED',
          "confirm of user-1's expired hold after user-2 took A1",
        );
        const seat = await expectResolved(() => service.getSeat('A1'), 'getSeat("A1")');
        expect(seat, `after user-1's late release and confirm, getSeat("A1") shows ${show(seat)}`).toMatchObject({
          status: 'held',
          userId: 'user-2',
          reservationId: next.reservationId,
        });
        const sold = await expectResolved(() => service.confirm(next.reservationId), "confirm of user-2's hold");
        expect(sold, "user-2's confirmed reservation").toMatchObject({
          reservationId: next.reservationId,
          userId: 'user-2',
          status: 'confirmed',
        });
      }),
  );

  check(
    {
      id: 'release-frees-once',
      title: 'releasing a hold after a failed payment frees the seat exactly once; a repeat is harmless',
      item: 'error-recovery',
      weight: 2,
      redFlag: 'no-idempotency',
      timeoutMs: 15_000,
    },
    ({ impl, seed }) =>
      withService(impl, { seed, maxYields: 3, seats: ['A1'] }, async ({ service }) => {
        const hold = await expectResolved(() => service.reserveSeat('A1', 'user-1'), 'user-1 reserving A1');
        // The payment failed, and the failure notice arrives 100 times at once.
        const releases = await Promise.all(
          Array.from({ length: 100 }, () => attempt(() => service.release(hold.reservationId))),
        );
        const odd = releases.find((outcome) => !outcome.ok || typeof outcome.value !== 'boolean');
        expect(odd && describeOutcome(odd), 'a concurrent release of a live hold').toBeUndefined();
        const freed = releases.filter((outcome) => outcome.ok && outcome.value === true).length;
        expect(freed, `${freed} of 100 concurrent releases of user-1's hold reported freeing seat A1`).toBe(1);
        const free = await expectResolved(() => service.getSeat('A1'), 'getSeat("A1")');
        expect(free.status, `getSeat("A1") after the release shows ${show(free)}`).toBe('available');
        const next = await expectResolved(() => service.reserveSeat('A1', 'user-2'), 'user-2 reserving the freed A1');
        const repeat = await attempt(() => service.release(hold.reservationId));
        expect(describeOutcome(repeat), "a repeated release of user-1's hold after user-2 took A1").toBe(
          'resolved false',
        );
        const seat = await expectResolved(() => service.getSeat('A1'), 'getSeat("A1")');
        expect(seat, `after the repeated release, getSeat("A1") shows ${show(seat)}`).toMatchObject({
          status: 'held',
          userId: 'user-2',
          reservationId: next.reservationId,
        });
        await expectRejection(
          () => service.confirm(hold.reservationId),
          'RESERVATION_EXPIRED',
          "confirm of user-1's released hold",
        );
      }),
  );

  check(
    {
      id: 'retry-returns-same',
      title: 'a user retrying their own reservation (or confirmation) gets the same one back',
      item: 'idempotency',
      weight: 2,
      redFlag: 'no-idempotency',
      timeoutMs: 15_000,
    },
    ({ impl, seed }) =>
      withService(impl, { seed, maxYields: 3, seats: ['A1', 'B1'] }, async ({ service, clock }) => {
        const first = await expectResolved(() => service.reserveSeat('A1', 'user-1'), 'user-1 reserving A1');
        await clock.advance(1_000);
        const retry = await expectResolved(
          () => service.reserveSeat('A1', 'user-1'),
          'user-1 retrying their reservation of A1',
        );
        expect(
          { ...retry, timestamp: retry.timestamp.getTime(), expiresAt: retry.expiresAt.getTime() },
          "user-1's retry should return the same, unchanged reservation",
        ).toEqual({ ...first, timestamp: first.timestamp.getTime(), expiresAt: first.expiresAt.getTime() });
        // A double-click storm: 50 identical requests from one user at once.
        const storm = await Promise.all(
          Array.from({ length: 50 }, () => attempt(() => service.reserveSeat('B1', 'user-2'))),
        );
        const failed = storm.filter((outcome) => !outcome.ok);
        expect(
          failed.length,
          `${failed.length} of 50 concurrent reservations of B1 by user-2 failed, e.g. ${failed[0] ? describeOutcome(failed[0]) : ''}`,
        ).toBe(0);
        const ids = new Set(storm.map((outcome) => (outcome as { value: Reservation }).value.reservationId));
        expect(ids.size, `50 concurrent reservations of B1 by user-2 returned ${ids.size} different reservations`).toBe(
          1,
        );
        const sold = await Promise.all(
          Array.from({ length: 20 }, () => attempt(() => service.confirm(first.reservationId))),
        );
        const unsold = sold.find((outcome) => !outcome.ok || outcome.value.status !== 'confirmed');
        expect(unsold && describeOutcome(unsold), "one of 20 concurrent confirms of user-1's hold").toBeUndefined();
        const afterSale = await expectResolved(
          () => service.reserveSeat('A1', 'user-1'),
          'user-1 retrying their reservation of A1 after confirming it',
        );
        expect(afterSale, "user-1's retry after the sale returns the confirmed reservation").toMatchObject({
          reservationId: first.reservationId,
          status: 'confirmed',
        });
      }),
  );

  check(
    {
      id: 'no-partial-state',
      title: 'a call that fails midway (a disk error at any of its writes) leaves nothing behind',
      item: 'transactions',
      weight: 2,
      redFlag: 'no-transaction-handling',
      timeoutMs: 20_000,
    },
    ({ impl }) =>
      withService(impl, { seats: ['A1'] }, async ({ testDb, service }) => {
        /** Fails the call's k-th write and every write after it, for k = 1, 2, ... until the call has no k-th write. */
        const underFaults = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
          for (let write = 1; write <= 40; write++) {
            const before = await testDb.dump();
            const fault = testDb.injectFault({ skip: write - 1, times: Number.POSITIVE_INFINITY });
            const outcome = await attempt(call);
            fault.remove();
            if (fault.fired === 0 || outcome.ok) {
              if (!outcome.ok) expect.fail(`${what} ${describeOutcome(outcome)} with no fault injected`);
              return outcome.value;
            }
            const difference = dumpDifference(before, await testDb.dump());
            expect(
              difference,
              `${what} failed at its write #${write} (an injected disk error) and left partial state: ${difference}`,
            ).toBe('');
          }
          return expect.fail(`${what} still wrote after 40 injected failures`);
        };
        await underFaults('addSeats(["B1", "B2", "B3", "B4"])', () => service.addSeats(['B1', 'B2', 'B3', 'B4']));
        const hold = await underFaults('reserveSeat("A1", "user-1")', () => service.reserveSeat('A1', 'user-1'));
        await underFaults("confirm of user-1's hold", () => service.confirm(hold.reservationId));
        const other = await underFaults('reserveSeat("B1", "user-2")', () => service.reserveSeat('B1', 'user-2'));
        await underFaults("release of user-2's hold", () => service.release(other.reservationId));
        const sold = await expectResolved(() => service.getSeat('A1'), 'getSeat("A1")');
        expect(sold, `getSeat("A1") after the confirm shows ${show(sold)}`).toMatchObject({ status: 'confirmed' });
        const freed = await expectResolved(() => service.getSeat('B1'), 'getSeat("B1")');
        expect(freed.status, `getSeat("B1") after the release shows ${show(freed)}`).toBe('available');
      }),
  );

  check(
    {
      id: 'hot-lookup-indexed',
      title: 'with 2000 seats, no operation reads a whole table: every hot lookup uses an index (query plan)',
      item: 'database-optimization',
      redFlag: 'poor-database-design',
      timeoutMs: 20_000,
    },
    ({ impl }) =>
      withService(impl, {}, async ({ testDb, service, clock }) => {
        const seats = seatIds(2000);
        await service.addSeats(seats);
        const holds = await Promise.all(
          seats.slice(0, 300).map((seat, index) => service.reserveSeat(seat, `user-${index}`)),
        );
        await Promise.all(holds.slice(0, 100).map((hold) => service.confirm(hold.reservationId)));
        await Promise.all(holds.slice(100, 150).map((hold) => service.release(hold.reservationId)));
        await clock.advance(HOLD_MS);
        await Promise.all(seats.slice(300, 400).map((seat, index) => service.reserveSeat(seat, `later-${index}`)));
        let fresh: Reservation | undefined;
        let takeover: Reservation | undefined;
        const operations: [string, () => Promise<unknown>][] = [
          ['reserveSeat of a free seat', async () => (fresh = await service.reserveSeat('S1500', 'user-x'))],
          ['reserveSeat retried by its holder', () => service.reserveSeat('S1500', 'user-x')],
          ['reserveSeat of a held seat', () => service.reserveSeat('S1500', 'user-y')],
          [
            'reserveSeat of a seat whose hold expired',
            async () => (takeover = await service.reserveSeat('S200', 'user-z')),
          ],
          ['getSeat', () => service.getSeat('S1500')],
          ['confirm', () => service.confirm(fresh!.reservationId)],
          ['release', () => service.release(takeover!.reservationId)],
        ];
        for (const [what, operation] of operations) {
          const recorder = testDb.record();
          await attempt(operation);
          recorder.stop();
          const scans = await testDb.fullScans(recorder.statements, { minRows: 200 });
          const [scan] = scans;
          expect(
            scans.length,
            scan &&
              `${what} reads every row of ${scan.table} (${scan.rows} rows): ${scan.sql.replace(/\s+/g, ' ').trim()} -> ${scan.detail}`,
          ).toBe(0);
        }
      }),
  );

  check(
    {
      id: 'bad-input',
      title: 'bad input throws a TypeError or RangeError naming the parameter and the value, and changes nothing',
      item: 'code-error-handling',
      redFlag: 'no-error-handling',
    },
    ({ impl }) =>
      withService(impl, { seats: ['A1'] }, async ({ testDb, service }) => {
        const before = await testDb.dump();
        const loose = service as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
        const create = impl.createSeatService as unknown as (db: unknown, options: unknown) => unknown;
        const cases: [string, () => unknown, 'TypeError' | 'RangeError', RegExp, RegExp][] = [
          [
            'reserveSeat(undefined, "user-1")',
            () => loose.reserveSeat!(undefined, 'user-1'),
            'TypeError',
            /seatId/,
            /undefined/,
          ],
          ['reserveSeat("A1", 42)', () => loose.reserveSeat!('A1', 42), 'TypeError', /userId/, /42|number/],
          ['reserveSeat("", "user-1")', () => loose.reserveSeat!('', 'user-1'), 'RangeError', /seatId/, /""|''|empty/i],
          ['reserveSeat("A1", "")', () => loose.reserveSeat!('A1', ''), 'RangeError', /userId/, /""|''|empty/i],
          ['confirm(null)', () => loose.confirm!(null), 'TypeError', /reservationId/, /null/],
          ['confirm("")', () => loose.confirm!(''), 'RangeError', /reservationId/, /""|''|empty/i],
          ['release(7)', () => loose.release!(7), 'TypeError', /reservationId/, /7|number/],
          ['getSeat({})', () => loose.getSeat!({}), 'TypeError', /seatId/, /object/],
          ['addSeats("A2")', () => loose.addSeats!('A2'), 'TypeError', /seatIds/, /string|"A2"/],
          ['addSeats(["B1", 3])', () => loose.addSeats!(['B1', 3]), 'TypeError', /seatId/, /3|number/],
          ['addSeats(["B1", "B1"])', () => loose.addSeats!(['B1', 'B1']), 'RangeError', /seatIds|B1/, /B1/],
          ['addSeats(["B2", ""])', () => loose.addSeats!(['B2', '']), 'RangeError', /seatId/, /""|''|empty/i],
          ['createSeatService(db, { holdMs: 0 })', () => create(testDb.db, { holdMs: 0 }), 'RangeError', /holdMs/, /0/],
          [
            'createSeatService(db, { holdMs: 1.5 })',
            () => create(testDb.db, { holdMs: 1.5 }),
            'RangeError',
            /holdMs/,
            /1\.5/,
          ],
          [
            'createSeatService(db, { holdMs: NaN })',
            () => create(testDb.db, { holdMs: NaN }),
            'RangeError',
            /holdMs/,
            /NaN/,
          ],
          [
            'createSeatService(db, { holdMs: "600000" })',
            () => create(testDb.db, { holdMs: '600000' }),
            'TypeError',
            /holdMs/,
            /string|"600000"/,
          ],
          [
            'createSeatService(db, { holdMs: 1000, now: 5 })',
            () => create(testDb.db, { holdMs: 1000, now: 5 }),
            'TypeError',
            /now/,
            /5|number/,
          ],
          [
            'createSeatService(null, { holdMs: 1000 })',
            () => create(null, { holdMs: 1000 }),
            'TypeError',
            /db/,
            /null/,
          ],
        ];
        for (const [call, run, type, parameter, received] of cases) {
          const outcome = await attempt(run);
          if (outcome.ok) expect.fail(`${call} should throw a ${type} but ${describeOutcome(outcome)}`);
          const error = outcome.error as Error;
          const Expected = type === 'TypeError' ? TypeError : RangeError;
          expect(error instanceof Expected, `${call} should throw a ${type} but ${describeOutcome(outcome)}`).toBe(
            true,
          );
          expect(error.message, `${call}: the message should name the parameter`).toMatch(parameter);
          expect(error.message, `${call}: the message should say what was received`).toMatch(received);
        }
        const difference = dumpDifference(before, await testDb.dump());
        expect(difference, `bad input changed the database: ${difference}`).toBe('');
      }),
  );

  check(
    {
      id: 'typed-errors',
      title: 'each failure is a typed error with a stable code: not found, unavailable, exists, expired',
      item: 'api-design',
    },
    ({ impl }) =>
      withService(impl, { seats: ['A1'] }, async ({ service, clock }) => {
        const expectTyped = async (call: () => Promise<unknown>, code: string, name: string, what: string) => {
          const error = await expectRejection(call, code, what);
          expect((error as Error).name, `${what}: the error's name`).toBe(name);
          expect(error instanceof Error, `${what}: the error should be an Error`).toBe(true);
        };
        await expectTyped(
          () => service.reserveSeat('Z9', 'user-1'),
          'SEAT_NOT_FOUND',
          'SeatNotFoundError',
          'reserveSeat of unknown seat Z9',
        );
        await expectTyped(
          () => service.getSeat('Z9'),
          'SEAT_NOT_FOUND',
          'SeatNotFoundError',
          'getSeat of unknown seat Z9',
        );
        await expectTyped(
          () => service.confirm('no-such-reservation'),
          'RESERVATION_NOT_FOUND',
          'ReservationNotFoundError',
          'confirm of an id the service never issued',
        );
        await expectTyped(
          () => service.release('no-such-reservation'),
          'RESERVATION_NOT_FOUND',
          'ReservationNotFoundError',
          'release of an id the service never issued',
        );
        const hold = await expectResolved(() => service.reserveSeat('A1', 'user-1'), 'user-1 reserving A1');
        await expectTyped(
          () => service.reserveSeat('A1', 'user-2'),
          'SEAT_UNAVAILABLE',
          'SeatUnavailableError',
          'user-2 reserving A1 held by user-1',
        );
        await expectTyped(
          () => service.addSeats(['N1', 'A1']),
          'SEAT_EXISTS',
          'SeatExistsError',
          'addSeats(["N1", "A1"]) where A1 exists',
        );
        await expectTyped(
          () => service.getSeat('N1'),
          'SEAT_NOT_FOUND',
          'SeatNotFoundError',
          'getSeat("N1") after addSeats(["N1", "A1"]) failed (all or nothing)',
        );
        await clock.advance(HOLD_MS);
        await expectTyped(
          () => service.confirm(hold.reservationId),
          'RESERVATION_EXPIRED',
          'ReservationExpiredError',
          "confirm of user-1's expired hold",
        );
      }),
  );

  check(
    {
      id: 'seat-lifecycle',
      title: 'available, held (with its expiry), confirmed: a sold seat never expires and cannot be released',
      item: 'api-design',
      weight: 2,
    },
    ({ impl }) =>
      withService(impl, { seats: ['A1', 'A2'] }, async ({ service, clock }) => {
        await expectResolved(() => service.init(), 'a second init() (another app instance starting)');
        const initial = await expectResolved(() => service.getSeat('A1'), 'getSeat("A1")');
        expect(initial, 'a new seat').toMatchObject({ seatId: 'A1', status: 'available' });
        const madeAt = clock.now();
        const hold = await expectResolved(() => service.reserveSeat('A1', 'user-1'), 'user-1 reserving A1');
        expect(hold, 'the reservation reserveSeat resolves').toMatchObject({
          seatId: 'A1',
          userId: 'user-1',
          status: 'held',
        });
        expect(
          typeof hold.reservationId === 'string' && hold.reservationId !== '',
          'reservationId is a non-empty string',
        ).toBe(true);
        expect(hold.timestamp instanceof Date && hold.timestamp.getTime(), 'timestamp is a Date at now()').toBe(madeAt);
        expect(
          hold.expiresAt instanceof Date && hold.expiresAt.getTime(),
          'expiresAt is a Date at now() + holdMs',
        ).toBe(madeAt + HOLD_MS);
        const held = await expectResolved(() => service.getSeat('A1'), 'getSeat("A1")');
        expect(held, 'getSeat("A1") while held').toMatchObject({
          seatId: 'A1',
          status: 'held',
          reservationId: hold.reservationId,
          userId: 'user-1',
        });
        expect((held as { expiresAt?: Date }).expiresAt?.getTime(), 'getSeat("A1").expiresAt while held').toBe(
          madeAt + HOLD_MS,
        );
        const other = await expectResolved(() => service.reserveSeat('A2', 'user-1'), 'user-1 reserving A2 too');
        expect(other.reservationId, 'a second seat gets its own reservation id').not.toBe(hold.reservationId);
        await clock.advance(1_000);
        const sold = await expectResolved(() => service.confirm(hold.reservationId), "confirm of user-1's hold on A1");
        expect(sold, 'the confirmed reservation').toMatchObject({
          reservationId: hold.reservationId,
          seatId: 'A1',
          userId: 'user-1',
          status: 'confirmed',
        });
        const bought = await expectResolved(() => service.getSeat('A1'), 'getSeat("A1")');
        expect(bought, 'getSeat("A1") once sold').toMatchObject({
          status: 'confirmed',
          reservationId: hold.reservationId,
          userId: 'user-1',
        });
        await clock.advance(10 * HOLD_MS);
        const later = await expectResolved(() => service.getSeat('A1'), 'getSeat("A1")');
        expect(later, `ten hold periods after the sale, getSeat("A1") shows ${show(later)}`).toMatchObject({
          status: 'confirmed',
          userId: 'user-1',
        });
        await expectRejection(
          () => service.reserveSeat('A1', 'user-2'),
          'SEAT_UNAVAILABLE',
          'user-2 reserving A1 ten hold periods after it was sold',
        );
        const unreleased = await attempt(() => service.release(hold.reservationId));
        expect(describeOutcome(unreleased), 'release of a confirmed reservation').toBe('resolved false');
        const still = await expectResolved(() => service.getSeat('A1'), 'getSeat("A1")');
        expect(still.status, `after a release of the sold seat, getSeat("A1") shows ${show(still)}`).toBe('confirmed');
        const lapsed = await expectResolved(() => service.getSeat('A2'), 'getSeat("A2")');
        expect(lapsed.status, `getSeat("A2") after its hold lapsed shows ${show(lapsed)}`).toBe('available');
      }),
  );
});
