/**
 * One app instance of the permission service, run by the spec in a worker thread of its own: its
 * own copy of the module (no shared memory with the others), its own connections to the shared
 * database file, its own manual clock.
 *
 * - `cycle`: instance i redefines `args.roles[i]` to inherit the other instance's role, at once.
 * - `revoke`: instance 0 caches a decision, instance 1 revokes it, then instance 0 asks again
 *   once `cacheTtlMs` has passed on its clock. The instances take turns through a shared buffer.
 * - `history`: instance i makes its calls, each after a seeded number of event-loop turns, and
 *   stamps each one's start and end on the clock every thread shares, for a linearizability check.
 */
import { setImmediate } from 'node:timers';
import { createManualClock } from '../../harness/kit/clock.ts';
import { createRandom } from '../../harness/kit/random.ts';
import {
  defineWorkerScenario,
  serializeError,
  settleAll,
  type SerializedError,
  type Settled,
} from '../../harness/kit/workers/scenario.ts';
import type { Call } from './model.ts';
import type * as Rbac from './index.ts';

export type AppInstanceArgs =
  | { readonly mode: 'cycle'; readonly tenant: string; readonly roles: readonly [string, string] }
  | {
      readonly mode: 'revoke';
      readonly tenant: string;
      readonly cacheTtlMs: number;
      /** Turn-taking cells: [instance 0 has cached, instance 1 has changed]. */
      readonly turns: SharedArrayBuffer;
    }
  | {
      readonly mode: 'history';
      /** The calls of each instance, by worker index. */
      readonly calls: readonly (readonly Call[])[];
      /** The manual clock's reading: every instance's now() answers it. */
      readonly now: number;
    };

/** One call as an instance saw it, stamped on the shared logical clock. */
export interface RecordedCall {
  readonly call: Call;
  readonly invokedAt: number;
  readonly returnedAt: number;
  readonly outcome:
    { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: SerializedError };
}

export interface RevokeReport {
  /** What each step answered, or the error it threw. */
  readonly steps: Record<string, boolean | string>;
}

export type AppInstanceResult = Settled<void>[] | RevokeReport | RecordedCall[];

const CACHED = 0;
const CHANGED = 1;
const TURN_TIMEOUT_MS = 10_000;

export default defineWorkerScenario<typeof Rbac, AppInstanceArgs, AppInstanceResult>(
  async ({ impl, db, args, workerIndex, seed, tick, start }) => {
    if (args.mode === 'history') {
      const rbac = await impl.createRbac({ db, now: () => args.now, cacheTtlMs: 0 });
      const random = createRandom(seed);
      const mine = args.calls[workerIndex] ?? [];
      // The first call (half of a cycle, in the plans the spec makes) goes at once; the others after
      // a seeded 1 to 3 turns, so the two halves are what meets at the rendezvous.
      const delays = mine.map((_, index) => (index === 0 ? 0 : 1 + Math.floor(random() * 3)));
      await start();
      return Promise.all(
        mine.map(async (call, index): Promise<RecordedCall> => {
          for (let turn = 0; turn < delays[index]!; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
          const invokedAt = tick();
          const method = (rbac as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[call.method]!;
          let outcome: RecordedCall['outcome'];
          try {
            outcome = { ok: true, value: await method.apply(rbac, [...call.args]) };
          } catch (error) {
            outcome = { ok: false, error: serializeError(error) };
          }
          return { call, invokedAt, returnedAt: tick(), outcome };
        }),
      );
    }
    if (args.mode === 'cycle') {
      const rbac = await impl.createRbac({ db, now: createManualClock().now, cacheTtlMs: 0 });
      await start();
      const [mine, theirs] = workerIndex === 0 ? args.roles : [args.roles[1], args.roles[0]];
      return settleAll([rbac.defineRole(args.tenant, mine, [], { inherits: [theirs], by: `instance-${workerIndex}` })]);
    }

    const clock = createManualClock();
    const rbac = await impl.createRbac({ db, now: clock.now, cacheTtlMs: args.cacheTtlMs });
    const turns = new Int32Array(args.turns);
    const steps: Record<string, boolean | string> = {};
    const ask = async (step: string, userId: string): Promise<void> => {
      try {
        steps[step] = await rbac.can(userId, 'salary:view', { tenant: args.tenant });
      } catch (error) {
        steps[step] = `threw ${serializeError(error).message}`;
      }
    };
    await start();
    if (workerIndex === 0) {
      await ask('before', 'u7');
      await ask('before-grant', 'u6');
      signal(turns, CACHED);
      if (!waitFor(turns, CHANGED)) return { steps: { ...steps, timeout: 'instance 1 never made its change' } };
      await clock.advance(args.cacheTtlMs);
      await ask('after', 'u7');
      await ask('after-grant', 'u6');
    } else {
      if (!waitFor(turns, CACHED)) return { steps: { timeout: 'instance 0 never asked' } };
      try {
        await rbac.revokeRole(args.tenant, 'u7', 'hr', { by: 'instance-1' });
        await rbac.assignRole(args.tenant, 'u6', 'hr', { by: 'instance-1' });
      } catch (error) {
        steps['change'] = `threw ${serializeError(error).message}`;
      }
      await ask('own-after', 'u7');
      await ask('own-after-grant', 'u6');
      signal(turns, CHANGED);
    }
    return { steps };
  },
);

function signal(turns: Int32Array, cell: number): void {
  Atomics.store(turns, cell, 1);
  Atomics.notify(turns, cell);
}

/** Blocks this instance until the other one signals: like a process paused between requests. */
function waitFor(turns: Int32Array, cell: number): boolean {
  const deadline = Date.now() + TURN_TIMEOUT_MS;
  while (Atomics.load(turns, cell) === 0) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return false;
    Atomics.wait(turns, cell, 0, remaining);
  }
  return true;
}
