/**
 * Concurrent histories: a small policy is set up, then a handful of calls (any change against any
 * other, and checks) start at seeded moments on two app instances over one database file, whose
 * statements interleave at seeded points; sometimes a statement fails or an instance dies on the
 * way. Every call's start, end and outcome is recorded, and then every tenant's log and every
 * decision are read back. The history must be linearizable against the model: some order of the
 * calls, consistent with real time, in which the model gives every outcome that was seen, every log
 * entry included.
 *
 * With a cache on, a check that started before a change resolved may answer from before it even if
 * another check saw it first (the README promises only that each check sees one state between its
 * start and its return), so then each check is judged on its own against the changes.
 */
import fc from 'fast-check';
import {
  checkLinearizable,
  createHistory,
  createManualClock,
  startStaggered,
  type Operation,
  type Outcome,
  type SequentialModel,
} from '../../harness/kit/index.ts';
import { createTestDatabase, faultTargets, openTestDatabase, type TestDatabase } from '../../harness/kit/db/index.ts';
import { crashable, type Crashable } from './crashable.ts';
import { Interleaving, type GateWeights } from './interleaving.ts';
import { outcomeProblem, type ErrorClasses } from './judge.ts';
import { describeCall, invoke } from './model-run.ts';
import { RbacModel, isChange, isCheck, type Call } from './model.ts';
import type * as RbacModule from './index.ts';

type Impl = typeof RbacModule;
type Rbac = RbacModule.Rbac;

export const TENANTS = ['acme', 'globex'] as const;
/** A tenant nobody created yet: two calls may race to create it. */
export const NEW_TENANT = 'initech';
export const ROLES = ['base', 'mid', 'top', 'side'] as const;
/** Set up unlinked; a batch may race to make each inherit the other. */
const PAIR = ['left', 'right'] as const;
const GHOST = 'ghost';
export const USERS = ['u1', 'u2'] as const;
export const PERMISSIONS = ['doc:read', 'doc:write'] as const;
const BY = { by: 'admin' };

export interface HistoryInput {
  /** 0 or 1: which app instance the call went to; 2: the reader after the batch. */
  readonly instance: number;
  readonly call: Call;
}

export interface BatchPlan {
  /** Applied one by one through instance A before the batch. */
  readonly setup: readonly Call[];
  readonly batch: readonly HistoryInput[];
  readonly fault?: { readonly instance: number; readonly skip: number; readonly crash?: 'before' | 'after' };
  /** A's cacheTtlMs; with a cache on, every call of the batch goes to A. */
  readonly cacheTtlMs: number;
  /** With a cache on, how the gates of A's round trips are opened (see interleaving.ts). */
  readonly driver?: {
    readonly favour: number;
    readonly weights: GateWeights;
    /** Changes begin only once some check's answer has come back from the database but is held on the wire. */
    readonly changesWaitForAnAnswer: boolean;
  };
}

const ruleArbitrary = fc.constantFrom('doc:read', 'doc:write', 'doc:*', '!doc:read', '!doc:write');

/** A small policy in acme and globex: each role may inherit the roles defined before it. */
const setupArbitrary: fc.Arbitrary<Call[]> = fc
  .tuple(
    fc.array(fc.tuple(fc.subarray([...PERMISSIONS, '!doc:write', 'doc:*']), fc.subarray([0, 1, 2])), {
      minLength: ROLES.length,
      maxLength: ROLES.length,
    }),
    fc.array(fc.tuple(fc.constantFrom(...USERS), fc.constantFrom(...ROLES), fc.constantFrom(...TENANTS)), {
      minLength: 2,
      maxLength: 5,
    }),
  )
  .map(([roles, assignments]) => {
    const calls: Call[] = TENANTS.map((tenant) => ({ method: 'createTenant' as const, args: [tenant, BY] }));
    for (const tenant of TENANTS) {
      roles.forEach(([rules, parents], index) => {
        const inherits = parents.filter((parent) => parent < index).map((parent) => ROLES[parent]!);
        calls.push({ method: 'defineRole' as const, args: [tenant, ROLES[index]!, rules, { ...BY, inherits }] });
      });
    }
    for (const [user, role, tenant] of assignments)
      calls.push({ method: 'assignRole' as const, args: [tenant, user, role, BY] });
    // Two roles with no links between them, for two definitions that race to close a cycle.
    for (const tenant of TENANTS) {
      for (const role of PAIR) calls.push({ method: 'defineRole' as const, args: [tenant, role, ['doc:read'], BY] });
    }
    return calls;
  });

const tenantArbitrary = fc.oneof(
  { weight: 5, arbitrary: fc.constant('acme') },
  { weight: 1, arbitrary: fc.constant('globex') },
);
const roleArbitrary = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...ROLES) },
  { weight: 1, arbitrary: fc.constant(GHOST) },
);

/** Any change of a batch; definitions may close cycles. */
const changeArbitrary: fc.Arbitrary<Call> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        tenantArbitrary,
        roleArbitrary,
        fc.array(ruleArbitrary, { maxLength: 2 }),
        fc.array(roleArbitrary, { maxLength: 2 }),
      )
      .map(([tenant, role, rules, inherits]) => ({
        method: 'defineRole' as const,
        args: [tenant, role, rules, { ...BY, inherits }],
      })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(tenantArbitrary, roleArbitrary)
      .map(([tenant, role]) => ({ method: 'deleteRole' as const, args: [tenant, role, BY] })),
  },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.constantFrom('assignRole' as const, 'revokeRole' as const),
        tenantArbitrary,
        fc.constantFrom(...USERS),
        roleArbitrary,
      )
      .map(([method, tenant, user, role]) => ({ method, args: [tenant, user, role, BY] })),
  },
  { weight: 1, arbitrary: fc.constant({ method: 'createTenant' as const, args: [NEW_TENANT, BY] } as Call) },
);

const checkArbitrary: fc.Arbitrary<Call> = fc
  .tuple(
    fc.constantFrom('can' as const, 'explain' as const),
    fc.constantFrom(...USERS),
    fc.constantFrom(...PERMISSIONS),
    tenantArbitrary,
  )
  .map(([method, user, permission, tenant]) => ({ method, args: [user, permission, { tenant }] }));

/** Any call of a batch: every change, either check. */
const batchCallArbitrary: fc.Arbitrary<Call> = fc.oneof(
  { weight: 3, arbitrary: changeArbitrary },
  { weight: 2, arbitrary: checkArbitrary },
);

/** Two definitions that each close half of a cycle: at most one may be applied. */
const cyclePairArbitrary: fc.Arbitrary<Call[]> = fc
  .tuple(tenantArbitrary, fc.array(ruleArbitrary, { maxLength: 1 }), fc.array(ruleArbitrary, { maxLength: 1 }))
  .map(([tenant, leftRules, rightRules]) => [
    { method: 'defineRole' as const, args: [tenant, PAIR[0], leftRules, { ...BY, inherits: [PAIR[1]] }] },
    { method: 'defineRole' as const, args: [tenant, PAIR[1], rightRules, { ...BY, inherits: [PAIR[0]] }] },
  ]);

/**
 * For an instance with a cache: one user's checks around one change that takes something from them
 * (u1 holds top, which allows every doc action; top is revoked, emptied or deleted, or u1's other
 * role is redefined), so a stale answer cached during the change shows in every later check.
 */
const focusedCallsArbitrary: fc.Arbitrary<Call[]> = fc
  .tuple(
    fc.constantFrom<Call>(
      { method: 'revokeRole', args: ['acme', 'u1', 'top', BY] },
      { method: 'defineRole', args: ['acme', 'top', ['!doc:write'], BY] },
      { method: 'deleteRole', args: ['acme', 'top', BY] },
      { method: 'defineRole', args: ['acme', 'side', ['!doc:read'], BY] },
    ),
    fc.array(fc.constantFrom(...PERMISSIONS), { minLength: 3, maxLength: 3 }),
    fc.nat(2),
  )
  .map(([change, permissions, position]) => {
    const checks = permissions.map((permission, index): Call => ({
      method: index % 2 === 0 ? 'explain' : 'can',
      args: ['u1', permission, { tenant: 'acme' }],
    }));
    return [...checks.slice(0, position), change, ...checks.slice(position)];
  });

/** What the focused batches start from, after the generated policy: u1 holds top (every doc action) and side (nothing). */
const FOCUS_SETUP: readonly Call[] = [
  ...ROLES.map((role): Call => ({ method: 'revokeRole', args: ['acme', 'u1', role, BY] })),
  { method: 'defineRole', args: ['acme', 'top', ['doc:*'], { ...BY, inherits: [] }] },
  { method: 'defineRole', args: ['acme', 'side', [], { ...BY, inherits: [] }] },
  { method: 'assignRole', args: ['acme', 'u1', 'top', BY] },
  { method: 'assignRole', args: ['acme', 'u1', 'side', BY] },
];

/** A batch: some changes and some checks at once, sometimes two definitions racing to close a cycle. */
const batchCallsArbitrary: fc.Arbitrary<Call[]> = fc
  .tuple(
    fc.array(changeArbitrary, { minLength: 1, maxLength: 3 }),
    fc.array(checkArbitrary, { minLength: 1, maxLength: 2 }),
    fc.option(cyclePairArbitrary, { freq: 3 }),
  )
  .map(([changes, checks, pair]) => [...(pair ?? []), ...changes, ...checks].slice(0, 6));

export function batchPlanArbitrary(options: {
  readonly faults: boolean;
  readonly cached: boolean;
}): fc.Arbitrary<BatchPlan> {
  const instance = options.cached ? fc.constant(0) : fc.nat(1);
  return fc.record(
    {
      setup: options.cached ? setupArbitrary.map((calls) => [...calls, ...FOCUS_SETUP]) : setupArbitrary,
      batch: (options.cached ? fc.oneof(focusedCallsArbitrary, batchCallsArbitrary) : batchCallsArbitrary).chain(
        (calls) =>
          fc
            .array(instance, { minLength: calls.length, maxLength: calls.length })
            .map((instances) => calls.map((call, index) => ({ instance: instances[index]!, call }))),
      ),
      ...(options.faults
        ? {
            fault: fc.record(
              { instance, skip: fc.nat(24), crash: fc.constantFrom('before' as const, 'after' as const) },
              { requiredKeys: ['instance', 'skip'] },
            ),
          }
        : {}),
      cacheTtlMs: options.cached ? fc.constantFrom(1_000, 60_000) : fc.constant(0),
      ...(options.cached
        ? {
            driver: fc.record({
              // The change's own gates first, mostly or rarely: a fast change overtakes answers on
              // the wire, a slow one lets checks start in the middle of it.
              favour: fc.constantFrom(0.05, 0.9),
              weights: fc.record({
                start: fc.constantFrom(1, 8),
                send: fc.constantFrom(1, 8),
                answer: fc.constantFrom(1, 8),
              }),
              changesWaitForAnAnswer: fc.boolean(),
            }),
          }
        : {}),
    },
    { requiredKeys: ['setup', 'batch', 'cacheTtlMs'] },
  );
}

function tenantOf(call: Call): string {
  return String(isCheck(call) ? (call.args[2] as { tenant: string }).tenant : call.args[0]);
}

const PROCESS_NAMES = ['A', 'B', 'reader'];

export function describeInput(input: HistoryInput): string {
  return describeCall(Math.min(input.instance, 1), input.call).replace(/^[AB]\./, `${PROCESS_NAMES[input.instance]}.`);
}

/**
 * The README as a sequential model of calls: a change is decided against the state it finds and
 * adds its entry; a check's answer must be one the state allows. When a fault struck during the
 * batch, a call may also have failed because of it, with no effect at all.
 */
export function historyModel(
  init: RbacModel,
  at: number,
  options: { readonly classes?: ErrorClasses; readonly faultStruck: () => boolean },
): SequentialModel<RbacModel, HistoryInput, unknown> {
  return {
    init: () => init,
    step(state, input, outcome) {
      const next = state.clone();
      const expected = next.apply(input.call, at);
      const problem = outcomeProblem(outcome, expected, {
        ...(options.classes === undefined ? {} : { classes: options.classes }),
        rejectedInAnyOrder: true,
      });
      if (problem === undefined) return next;
      // A statement failed under this call: it must have changed nothing.
      if (!outcome.ok && options.faultStruck()) return state;
      return undefined;
    },
    stepPending(state, input) {
      if (!isChange(input.call)) return [];
      const next = state.clone();
      next.apply(input.call, at);
      return [next];
    },
    key: (state) => state.key(),
    describeInput,
    partition: (input) => tenantOf(input.call),
  };
}

/** Resolves once the call settled or its instance died (then it never will). */
async function settledOrCrashed(call: Promise<unknown>, instance: Crashable): Promise<void> {
  let settled = false;
  void call.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled && !instance.crashed) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** The reads after the batch: every tenant's log, every decision in acme. */
function finalCalls(): Call[] {
  const calls: Call[] = [...TENANTS, NEW_TENANT].map((tenant) => ({ method: 'auditLog' as const, args: [tenant] }));
  for (const tenant of TENANTS) {
    for (const user of USERS) {
      for (const permission of PERMISSIONS)
        calls.push({ method: 'explain' as const, args: [user, permission, { tenant }] });
    }
  }
  return calls;
}

/** Runs one batch and throws, with the history, when no order of it is allowed by the contract. */
export async function runBatch(impl: Impl, plan: BatchPlan, seed: number): Promise<void> {
  // Gated runs interleave through their gates alone: the kit's own yields would let a held answer go early.
  const maxYields = plan.cacheTtlMs > 0 ? 0 : 2;
  const testDb = createTestDatabase({ seed, maxYields, synchronous: 'off' });
  const opened: TestDatabase[] = [testDb];
  try {
    const other = openTestDatabase(testDb.file, { seed: seed ^ 0x5bd1e995, maxYields, synchronous: 'off' });
    opened.push(other);
    const handles = [testDb, other];
    const instances = handles.map((handle) => crashable(handle));
    const clock = createManualClock();
    // With a cache on, A's round trips go through gates a seeded driver opens one at a time, so a
    // check's answer can be held back while a change commits (the db kit's yields come only before
    // statements, never between an answer and what the caller does with it).
    const firstChange = plan.batch.findIndex((input) => isChange(input.call));
    const interleaving = new Interleaving(
      seed,
      `A#${firstChange}`,
      plan.driver?.favour ?? 0.5,
      plan.driver?.weights ?? { start: 1, send: 1, answer: 1 },
    );
    const gated = plan.cacheTtlMs > 0;
    const services: Rbac[] = [
      await impl.createRbac({
        db: gated ? interleaving.database(instances[0]!.db) : instances[0]!.db,
        now: clock.now,
        cacheTtlMs: plan.cacheTtlMs,
      }),
      await impl.createRbac({ db: instances[1]!.db, now: clock.now, cacheTtlMs: 0 }),
    ];
    const classes = impl as unknown as ErrorClasses;
    const at = clock.now();
    const model = new RbacModel();
    const setupCalls = plan.cacheTtlMs > 0 ? [...plan.setup, ...warmUp()] : plan.setup;
    for (const call of setupCalls) {
      const expected = model.apply(call, at);
      const problem = outcomeProblem(await settleCall(services[0]!, call), expected, { classes });
      if (problem !== undefined) throw new Error(`setting up, ${describeCall(0, call)} ${problem}`);
    }

    const history = createHistory<HistoryInput, unknown>();
    const fault =
      plan.fault === undefined || plan.fault.crash !== undefined
        ? undefined
        : handles[plan.fault.instance]!.injectFault({ when: faultTargets.everything, skip: plan.fault.skip, times: 1 });
    if (plan.fault?.crash !== undefined) instances[plan.fault.instance]!.crashAt(plan.fault.skip + 1, plan.fault.crash);
    const struck = () => (fault?.fired ?? 0) > 0 || instances.some((instance) => instance.crashed);
    const calls = plan.batch.map((input, index) => {
      const process = `${PROCESS_NAMES[input.instance]}#${index}`;
      const call = async () => {
        if (gated && plan.driver?.changesWaitForAnAnswer && isChange(input.call)) await interleaving.whenAnswerHeld();
        return invoke(services[input.instance]!, input.call);
      };
      return {
        process,
        run: () =>
          settledOrCrashed(
            history.call(process, input, gated ? () => interleaving.as(process, call) : call),
            instances[input.instance]!,
          ),
      };
    });
    if (gated) {
      const everything = Promise.all(calls.map((call) => call.run()));
      await interleaving.drive(everything);
      await everything;
    } else {
      await startStaggered(calls, { seed, maxDelayTurns: 3 });
    }
    fault?.remove();
    for (const instance of instances) instance.disarm();

    // Read everything back through an instance that is alive: A (whose own changes it must see at once), or a new one.
    let reader = services[0]!;
    if (instances.some((instance) => instance.crashed)) {
      const handle = openTestDatabase(testDb.file);
      opened.push(handle);
      reader = await impl.createRbac({ db: handle.db, now: clock.now, cacheTtlMs: 0 });
    }
    for (const call of finalCalls()) await history.call('reader', { instance: 2, call }, () => invoke(reader, call));

    const sequential = historyModel(model, at, { classes, faultStruck: struck });
    const operations = history.operations;
    const parts: (readonly Operation<HistoryInput, unknown>[])[] =
      plan.cacheTtlMs === 0
        ? [operations]
        : operations
            .filter((operation) => operation.input.instance !== 2 && isCheck(operation.input.call))
            .map((check) =>
              operations.filter(
                (operation) => operation === check || operation.input.instance === 2 || !isCheck(operation.input.call),
              ),
            );
    if (parts.length === 0) parts.push(operations);
    for (const part of parts) {
      const verdict = checkLinearizable(part, sequential);
      if (!verdict.ok) {
        const faultText =
          plan.fault === undefined
            ? ''
            : ` (${struck() ? '' : 'never struck: '}${plan.fault.crash === undefined ? 'a database error' : `instance ${PROCESS_NAMES[plan.fault.instance]} dying ${plan.fault.crash}`} at statement ${plan.fault.skip + 1} of ${PROCESS_NAMES[plan.fault.instance]})`;
        throw new Error(
          `${verdict.message}\nA's cacheTtlMs ${plan.cacheTtlMs}${faultText}; set up with ${plan.setup.length} calls`,
        );
      }
    }
  } finally {
    for (const handle of opened.reverse()) await handle.close();
  }
}

export interface WorkerPlan {
  readonly setup: readonly Call[];
  /** Each worker thread's calls, made at once. */
  readonly calls: readonly (readonly Call[])[];
  /** Read back in the main thread afterwards. */
  readonly finals: readonly Call[];
}

/**
 * Each instance opens with one half of a cycle (the workers kit makes both read before either
 * writes), then makes a few more calls of any kind.
 */
export const workerPlanArbitrary: fc.Arbitrary<WorkerPlan> = fc
  .record({
    setup: setupArbitrary,
    pair: cyclePairArbitrary,
    rest: fc.tuple(
      fc.array(batchCallArbitrary, { minLength: 1, maxLength: 3 }),
      fc.array(batchCallArbitrary, { minLength: 1, maxLength: 3 }),
    ),
  })
  .map(({ setup, pair, rest }) => ({
    setup,
    calls: [
      [pair[0]!, ...rest[0]],
      [pair[1]!, ...rest[1]],
    ],
    finals: finalCalls(),
  }));

/**
 * Checks some questions once, so a cache holds some answers when the batch starts (a change must
 * clear them) and not others (a check that reads during a change must not store a stale answer).
 */
function warmUp(): Call[] {
  const warm: [string, string][] = [
    ['acme', 'u2'],
    ['globex', 'u1'],
    ['globex', 'u2'],
  ];
  return warm.flatMap(([tenant, user]) =>
    PERMISSIONS.map((permission): Call => ({ method: 'can', args: [user, permission, { tenant }] })),
  );
}

async function settleCall(rbac: Rbac, call: Call): Promise<Outcome<unknown>> {
  try {
    return { ok: true, value: await invoke(rbac, call) };
  } catch (error) {
    return { ok: false, error };
  }
}
