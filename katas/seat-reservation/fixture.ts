/**
 * What the checks run on: a deployment (one database file, app instances on it, one clock), a call
 * of the service as data (so the model, histories and worker threads can share it), and the
 * evidence a check reads: every seat as each instance sees it, compared with the model, and the
 * database's rows before and after a call.
 */
import { createTestDatabase, openTestDatabase, type TableDump, type TestDatabase } from '../../harness/kit/db/index.ts';
import { outcomeDifference, satisfies, type Expected } from '../../harness/kit/expected.ts';
import { show, type Outcome } from '../../harness/kit/outcome.ts';
import { callService, showArg, type Impl, type Service, type ServiceCall } from './calls.ts';
import { createProblem, predict, type SeatModel } from './model.ts';

export { callService, describeCall, invokeService, showArg } from './calls.ts';
export type { CreateCall, Impl, Service, ServiceCall } from './calls.ts';

/** A clock the spec sets: time passes only when a check says so. */
export interface SetClock {
  now(): number;
  set(ms: number): void;
}

export function createSetClock(startMs: number): SetClock {
  let current = startMs;
  return {
    now: () => current,
    set(ms) {
      if (ms < current) throw new RangeError(`the clock only moves forward: ${ms} < ${current}`);
      current = ms;
    },
  };
}

export interface Instance {
  /** "A", "B", ... in the order the instances started. */
  readonly label: string;
  readonly testDb: TestDatabase;
  readonly service: Service;
}

export interface DeploymentOptions {
  readonly holdMs: number;
  readonly startMs: number;
  /** App instances on the file, each with its own connections: 1 or more. */
  readonly instances: number;
  readonly seed?: number;
  readonly maxYields?: number;
}

/** One database file, several app instances on it, one clock. */
export interface Deployment {
  readonly impl: Impl;
  readonly file: string;
  readonly holdMs: number;
  readonly clock: SetClock;
  /** The instances alive now, by position; a crashed one is replaced in place. */
  readonly instances: Instance[];
  /** Starts another app instance on the file (its own connections and service) and runs its init(). */
  startInstance(position: number): Promise<Instance>;
  close(): Promise<void>;
}

export async function deploy(impl: Impl, options: DeploymentOptions): Promise<Deployment> {
  const clock = createSetClock(options.startMs);
  // The file's owner is no instance: any instance may die and be closed without taking the file.
  const owner = createTestDatabase();
  const opened: TestDatabase[] = [];
  let started = 0;
  const instances: Instance[] = [];
  const deployment: Deployment = {
    impl,
    file: owner.file,
    holdMs: options.holdMs,
    clock,
    instances,
    async startInstance(position) {
      const testDb = openTestDatabase(owner.file, {
        seed: (options.seed ?? 0) + 7919 * started,
        maxYields: options.maxYields ?? 0,
      });
      opened.push(testDb);
      const label = String.fromCharCode(65 + started++);
      const instance = {
        label,
        testDb,
        service: impl.createSeatService(testDb.db, { holdMs: options.holdMs, now: clock.now }),
      };
      instances[position] = instance;
      await instance.service.init();
      return instance;
    },
    async close() {
      for (const testDb of opened.reverse()) await testDb.close();
      await owner.close();
    },
  };
  try {
    for (let position = 0; position < options.instances; position++) await deployment.startInstance(position);
  } catch (error) {
    await deployment.close();
    throw error;
  }
  return deployment;
}

/** What the model says the call must do; a CreateCall that must succeed resolves a service. */
export function expectationOf(state: SeatModel, call: ServiceCall): Expected<unknown> {
  if (call.kind !== 'create') return predict(state, call).expected;
  return (
    createProblem(call.dbIsHandle, call.db, call.options) ?? { ok: true, value: satisfies('a service', () => true) }
  );
}

/**
 * Every seat the model knows, plus `extraSeatIds` (ids never added: SeatNotFoundError), read
 * through each instance and compared with the model. Throws a sentence naming the first seat that
 * differs and the instance that saw it.
 */
export async function expectSeatsAsModel(
  deployment: Deployment,
  state: SeatModel,
  extraSeatIds: readonly string[],
  after: string,
): Promise<void> {
  const seatIds = [...new Set([...state.seats.keys(), ...extraSeatIds])];
  for (const instance of deployment.instances) {
    for (const seatId of seatIds) {
      const outcome = await callService(deployment.impl, instance.service, { kind: 'getSeat', seatId });
      const expected = predict(state, { kind: 'getSeat', seatId }).expected;
      const difference = outcomeDifference(outcome, expected, deployment.impl);
      if (difference !== undefined) {
        throw new Error(`after ${after}, getSeat(${showArg(seatId)}) through instance ${instance.label} ${difference}`);
      }
    }
  }
}

/** Reads every seat through one instance, as data, for "which state is this?" comparisons. */
export async function readSeats(
  read: (call: ServiceCall) => Promise<Outcome<unknown>>,
  seatIds: readonly string[],
): Promise<Map<string, Outcome<unknown>>> {
  const seen = new Map<string, Outcome<unknown>>();
  for (const seatId of seatIds) seen.set(seatId, await read({ kind: 'getSeat', seatId }));
  return seen;
}

/** How what an instance read differs from the model's state, or undefined when it matches. */
export function seatsDifference(
  impl: Impl,
  seen: ReadonlyMap<string, Outcome<unknown>>,
  state: SeatModel,
): string | undefined {
  for (const [seatId, outcome] of seen) {
    const difference = outcomeDifference(outcome, predict(state, { kind: 'getSeat', seatId }).expected, impl);
    if (difference !== undefined) return `getSeat(${showArg(seatId)}) ${difference}`;
  }
  return undefined;
}

/** What changed between two dumps, per table; '' when nothing did. Rows are counted: a copy of a row is a change. */
export function dumpDifference(before: TableDump, after: TableDump): string {
  const changes: string[] = [];
  const counts = (rows: readonly unknown[] | undefined): Map<string, number> => {
    const counted = new Map<string, number>();
    for (const row of rows ?? []) {
      const key = show(row, 1_000);
      counted.set(key, (counted.get(key) ?? 0) + 1);
    }
    return counted;
  };
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const was = counts(before[table]);
    const now = counts(after[table]);
    const added: string[] = [];
    const removed: string[] = [];
    for (const [row, count] of now) for (let extra = was.get(row) ?? 0; extra < count; extra++) added.push(row);
    for (const [row, count] of was) for (let gone = now.get(row) ?? 0; gone < count; gone++) removed.push(row);
    if (added.length === 0 && removed.length === 0) continue;
    const example = added[0] ?? removed[0];
    changes.push(`${table}: ${added.length} row(s) added, ${removed.length} removed (e.g. ${example?.slice(0, 160)})`);
  }
  return changes.join('; ');
}

/** The value in the model's words: a reservation id by its number and owner, when known. */
export function reservationNamer(state: () => SeatModel): (value: unknown) => string {
  return (value) => {
    if (typeof value !== 'string') return showArg(value);
    const ids = [...state().reservations.keys()];
    const index = ids.indexOf(value);
    if (index === -1) return showArg(value);
    const reservation = state().reservations.get(value)!;
    return `#${index + 1} (${showArg(reservation.userId)} on ${showArg(reservation.seatId)})`;
  };
}
