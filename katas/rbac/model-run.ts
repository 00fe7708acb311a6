/**
 * Model-based runs over the whole API: fast-check draws a vocabulary (ids in every allowed shape,
 * with case and normalisation variants side by side; resources and actions with near misses), the
 * cacheTtlMs of each app instance, and a sequence of steps: any method with good or bad arguments,
 * on either instance, the clock moved to and across every cache boundary, an instance restarted
 * (createRbac again on data that exists), inheritance chains far deeper than the examples, and
 * optionally a database fault or crash at any statement of a change. Every step is run against the
 * implementation and the model and compared in full; at the end a fresh instance reads every
 * tenant's log and every decision back.
 *
 * Another instance's change need not be visible before cacheTtlMs has passed, so a check on an
 * instance that another instance changed the tenant under less than cacheTtlMs ago is held only to
 * the shape of its answer; every other result is compared exactly.
 */
import fc from 'fast-check';
import {
  command,
  createManualClock,
  runCommands,
  describeError,
  settle,
  show,
  type ManualClock,
  type Outcome,
} from '../../harness/kit/index.ts';
import { createTestDatabase, faultTargets, openTestDatabase, type TestDatabase } from '../../harness/kit/db/index.ts';
import { crashable, type Crashable } from './crashable.ts';
import { describeDecision, errorProblem, outcomeProblem, type ErrorClasses } from './judge.ts';
import { RbacModel, isChange, isCheck, type Call, type Expectation } from './model.ts';
import {
  actionsArbitrary,
  badChangeOptionsArbitrary,
  badIdArbitrary,
  badInheritsArbitrary,
  badParentArbitrary,
  badPermissionArbitrary,
  badRuleArbitrary,
  badRuleListArbitrary,
  cacheTtlArbitrary,
  idsArbitrary,
  resourcesArbitrary,
} from './vocabulary.ts';
import type * as RbacModule from './index.ts';

type Impl = typeof RbacModule;
type Rbac = RbacModule.Rbac;

export interface Vocabulary {
  /** The first two exist from the start; the others may be created by a step, or never. */
  readonly tenants: readonly string[];
  readonly roles: readonly string[];
  readonly users: readonly string[];
  readonly bys: readonly string[];
  readonly resources: readonly string[];
  readonly actions: readonly string[];
}

export const vocabularyArbitrary: fc.Arbitrary<Vocabulary> = fc.record({
  tenants: idsArbitrary(4),
  roles: idsArbitrary(5),
  users: idsArbitrary(3),
  bys: idsArbitrary(2),
  resources: resourcesArbitrary,
  actions: actionsArbitrary,
});

/** The instance dies at its n-th statement from the call's start (BEGIN and COMMIT included, from 1). */
export interface CrashPlan {
  readonly statement: number;
  readonly timing: 'before' | 'after';
}

/** A database error at every statement of the change in turn, or the instance dying at one. */
export type FaultPlan = { readonly kind: 'every-statement' } | ({ readonly kind: 'crash' } & CrashPlan);

export type Step =
  | { readonly kind: 'call'; readonly instance: number; readonly call: Call; readonly fault?: FaultPlan }
  /** Several calls in a row: an inheritance chain defined link by link, then held by a user. */
  | { readonly kind: 'calls'; readonly instance: number; readonly calls: readonly Call[]; readonly what: string }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'restart'; readonly instance: number }
  /** Every decision of the vocabulary in one tenant, through one instance: fills its cache, reads it back. */
  | { readonly kind: 'survey'; readonly instance: number; readonly tenant: string };

export interface RunOptions {
  /** 1: one instance; 2: a second one on the same file, with its own cacheTtlMs. */
  readonly instances: 1 | 2;
  /** Draw a database fault or crash before some changes. */
  readonly faults: boolean;
  readonly maxCommands: number;
}

const INSTANCE_NAMES = ['A', 'B'] as const;

/** Durability is not what these runs are about: no fsync makes each run's database cheap. */
const FAST = { synchronous: 'off' } as const;

export function describeCall(instance: number, call: Call): string {
  return `${INSTANCE_NAMES[instance]}.${call.method}(${call.args.map((arg) => show(arg, 80)).join(', ')})`;
}

function describeStep(step: Step): string {
  switch (step.kind) {
    case 'call': {
      const fault =
        step.fault === undefined
          ? ''
          : step.fault.kind === 'every-statement'
            ? ' with a database error at each of its statements in turn'
            : ` with the instance dying ${step.fault.timing} statement ${step.fault.statement}`;
      return `${describeCall(step.instance, step.call)}${fault}`;
    }
    case 'calls':
      return `${INSTANCE_NAMES[step.instance]}: ${step.what}`;
    case 'advance':
      return `clock +${step.ms} ms`;
    case 'restart':
      return `${INSTANCE_NAMES[step.instance]} restarted (createRbac again)`;
    case 'survey':
      return `${INSTANCE_NAMES[step.instance]}: every decision in ${show(step.tenant)}`;
  }
}

/** The calls a step may make, drawn from the run's vocabulary. */
function callArbitrary(v: Vocabulary): fc.Arbitrary<Call> {
  const tenant = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(v.tenants[0]!, v.tenants[1]!) },
    { weight: 1, arbitrary: fc.constantFrom(...v.tenants.slice(2)) },
  );
  const role = fc.constantFrom(...v.roles);
  const user = fc.constantFrom(...v.users);
  const by = fc.constantFrom(...v.bys).map((name) => ({ by: name }));
  const resource = fc.constantFrom(...v.resources);
  const permission = fc.tuple(resource, fc.constantFrom(...v.actions)).map(([r, a]) => `${r}:${a}`);
  const rule = fc
    .tuple(
      fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constant('!') }),
      resource,
      fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...v.actions) }, { weight: 1, arbitrary: fc.constant('*') }),
    )
    .map(([effect, r, a]) => `${effect}${r}:${a}`);
  const rules = fc.array(rule, { maxLength: 3 });
  const inherits = fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: fc.array(role, { maxLength: 3 }) },
  );
  const defineOptions = fc
    .tuple(by, inherits)
    .map(([options, parents]) => (parents === undefined ? options : { ...options, inherits: parents }));
  const checkOptions = tenant.map((name) => ({ tenant: name }));
  const good: fc.Arbitrary<Call>[] = [
    fc.tuple(tenant, by).map((args) => ({ method: 'createTenant' as const, args })),
    fc.tuple(tenant, role, rules, defineOptions).map((args) => ({ method: 'defineRole' as const, args })),
    fc.tuple(tenant, role, by).map((args) => ({ method: 'deleteRole' as const, args })),
    fc.tuple(tenant, user, role, by).map((args) => ({ method: 'assignRole' as const, args })),
    fc.tuple(tenant, user, role, by).map((args) => ({ method: 'revokeRole' as const, args })),
    fc.tuple(user, permission, checkOptions).map((args) => ({ method: 'can' as const, args })),
    fc.tuple(user, permission, checkOptions).map((args) => ({ method: 'explain' as const, args })),
    tenant.map((name) => ({ method: 'auditLog' as const, args: [name] })),
  ];
  const weights = [1, 5, 1, 4, 2, 4, 4, 1];
  const badCheckOptions = fc.oneof(
    badIdArbitrary.map((bad) => ({ tenant: bad })),
    fc.constantFrom(undefined, null, 'acme', 42),
  );
  const bad: fc.Arbitrary<Call> = fc.oneof(
    fc.tuple(badIdArbitrary, by).map((args) => ({ method: 'createTenant' as const, args })),
    fc.tuple(tenant, badChangeOptionsArbitrary).map((args) => ({ method: 'createTenant' as const, args })),
    fc.tuple(badIdArbitrary, role, rules, defineOptions).map((args) => ({ method: 'defineRole' as const, args })),
    fc.tuple(tenant, badIdArbitrary, rules, defineOptions).map((args) => ({ method: 'defineRole' as const, args })),
    fc
      .tuple(tenant, role, badRuleListArbitrary, defineOptions)
      .map((args) => ({ method: 'defineRole' as const, args })),
    fc.tuple(tenant, role, rules, badRuleArbitrary, defineOptions).map(([t, r, list, spoiled, options]) => ({
      method: 'defineRole' as const,
      args: [t, r, [...list, spoiled], options],
    })),
    fc.tuple(tenant, role, rules, badChangeOptionsArbitrary).map((args) => ({ method: 'defineRole' as const, args })),
    fc.tuple(tenant, role, rules, by, badInheritsArbitrary).map(([t, r, list, options, spoiled]) => ({
      method: 'defineRole' as const,
      args: [t, r, list, { ...options, inherits: spoiled }],
    })),
    fc
      .tuple(tenant, role, rules, by, fc.array(role, { maxLength: 2 }), badParentArbitrary)
      .map(([t, r, list, options, parents, spoiled]) => ({
        method: 'defineRole' as const,
        args: [t, r, list, { ...options, inherits: [...parents, spoiled] }],
      })),
    fc
      .tuple(fc.constantFrom('deleteRole', 'assignRole', 'revokeRole'), fc.nat(3), tenant, user, role, by)
      .chain(([method, position, t, u, r, options]) => {
        const args: unknown[] = method === 'deleteRole' ? [t, r, options] : [t, u, r, options];
        const spoiled = Math.min(position, args.length - 1);
        const badValue = spoiled === args.length - 1 ? badChangeOptionsArbitrary : badIdArbitrary;
        return badValue.map(
          (value) => ({ method, args: args.map((arg, index) => (index === spoiled ? value : arg)) }) as Call,
        );
      }),
    fc
      .tuple(fc.constantFrom('can', 'explain'), badIdArbitrary, permission, checkOptions)
      .map(([method, u, p, options]) => ({ method, args: [u, p, options] }) as Call),
    fc
      .tuple(fc.constantFrom('can', 'explain'), user, badPermissionArbitrary, checkOptions)
      .map(([method, u, p, options]) => ({ method, args: [u, p, options] }) as Call),
    fc
      .tuple(fc.constantFrom('can', 'explain'), user, permission, badCheckOptions)
      .map(([method, u, p, options]) => ({ method, args: [u, p, options] }) as Call),
    badIdArbitrary.map((value) => ({ method: 'auditLog' as const, args: [value] }) as Call),
  );
  return fc.oneof(...good.map((arbitrary, index) => ({ weight: weights[index]!, arbitrary })), {
    weight: 3,
    arbitrary: bad,
  });
}

/** A change that is not a bad call, in one of the two tenants that exist from the start. */
function finalChangeArbitrary(v: Vocabulary): fc.Arbitrary<Call> {
  const tenant = fc.constantFrom(v.tenants[0]!, v.tenants[1]!);
  const role = fc.constantFrom(...v.roles);
  const user = fc.constantFrom(...v.users);
  const by = fc.constant({ by: v.bys[0]! });
  const rule = fc
    .tuple(fc.boolean(), fc.constantFrom(...v.resources), fc.oneof(fc.constantFrom(...v.actions), fc.constant('*')))
    .map(([deny, resource, action]) => `${deny ? '!' : ''}${resource}:${action}`);
  return fc.oneof(
    fc.tuple(tenant, role, fc.array(rule, { maxLength: 3 }), by).map((args): Call => ({ method: 'defineRole', args })),
    fc.tuple(tenant, role, by).map((args): Call => ({ method: 'deleteRole', args })),
    fc.tuple(tenant, user, role, by).map((args): Call => ({ method: 'assignRole', args })),
    fc.tuple(tenant, user, role, by).map((args): Call => ({ method: 'revokeRole', args })),
  );
}

/** An inheritance chain of `length` new roles above a vocabulary role, held by a user. */
function chainArbitrary(v: Vocabulary): fc.Arbitrary<{ calls: Call[]; what: string }> {
  return fc
    .tuple(
      fc.integer({ min: 12, max: 40 }),
      fc.constantFrom(...v.roles),
      fc.constantFrom(...v.users),
      fc.constantFrom(v.tenants[0]!, v.tenants[1]!),
      fc.constantFrom(...v.resources),
    )
    .map(([length, top, user, tenant, resource]) => {
      const by = { by: v.bys[0]! };
      const name = (index: number) => `${top}/${index}`;
      const calls: Call[] = [];
      for (let index = length - 1; index >= 0; index--) {
        const parents = index === length - 1 ? [top] : [name(index + 1)];
        calls.push({
          method: 'defineRole' as const,
          args: [tenant, name(index), [`${resource}:link${index}`], { ...by, inherits: parents }],
        });
      }
      calls.push({ method: 'assignRole' as const, args: [tenant, user, name(0), by] });
      return {
        calls,
        what: `a chain of ${length} roles ${name(0)} -> ... -> ${name(length - 1)} -> ${top} in ${show(tenant)}, held by ${show(user)}`,
      };
    });
}

interface StepKinds {
  readonly call: fc.Arbitrary<fc.AsyncCommand<World, Real>>;
  readonly chain: fc.Arbitrary<fc.AsyncCommand<World, Real>>;
  readonly advance: fc.Arbitrary<fc.AsyncCommand<World, Real>>;
  readonly restart: fc.Arbitrary<fc.AsyncCommand<World, Real>>;
  readonly survey: fc.Arbitrary<fc.AsyncCommand<World, Real>>;
}

function stepKinds(v: Vocabulary, ttls: readonly number[], options: RunOptions): StepKinds {
  const instance = options.instances === 1 ? fc.constant(0) : fc.nat(1);
  const finite = ttls.filter((ttl) => Number.isFinite(ttl) && ttl > 0);
  const boundaries = finite.flatMap((ttl) => [ttl, ttl - 0.5, ttl + 0.5].filter((ms) => ms > 0));
  const advance = fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(0.5, 1, 1_000) },
    ...(boundaries.length > 0 ? [{ weight: 4, arbitrary: fc.constantFrom(...boundaries) }] : []),
  );
  const fault: fc.Arbitrary<FaultPlan | undefined> = options.faults
    ? fc.oneof(
        { weight: 2, arbitrary: fc.constant(undefined) },
        { weight: 2, arbitrary: fc.constant({ kind: 'every-statement' as const }) },
        {
          weight: 1,
          arbitrary: fc.record({
            kind: fc.constant('crash' as const),
            statement: fc.integer({ min: 1, max: 10 }),
            timing: fc.constantFrom('before' as const, 'after' as const),
          }),
        },
      )
    : fc.constant(undefined);
  const wrap = (arbitrary: fc.Arbitrary<Step>) =>
    command<World, Real, Step>({ args: arbitrary, describe: describeStep, run: runStep });
  return {
    call: wrap(
      fc
        .tuple(instance, callArbitrary(v), fault)
        .map(([index, call, plan]): Step =>
          plan === undefined || !isChange(call)
            ? { kind: 'call', instance: index, call }
            : { kind: 'call', instance: index, call, fault: plan },
        ),
    ),
    chain: wrap(
      fc
        .tuple(instance, chainArbitrary(v))
        .map(([index, chain]): Step => ({ kind: 'calls', instance: index, ...chain })),
    ),
    advance: wrap(advance.map((ms): Step => ({ kind: 'advance', ms }))),
    restart: wrap(instance.map((index): Step => ({ kind: 'restart', instance: index }))),
    survey: wrap(
      fc
        .tuple(instance, fc.constantFrom(v.tenants[0]!, v.tenants[1]!))
        .map(([index, tenant]): Step => ({ kind: 'survey', instance: index, tenant })),
    ),
  };
}

/**
 * A policy to start from, in the first two tenants alike (same role names, different rules): every
 * role of the vocabulary with a few rules, inheriting roles listed before it (chains and diamonds),
 * and users holding some of them.
 */
function policyArbitrary(v: Vocabulary): fc.Arbitrary<Call[]> {
  const rule = fc
    .tuple(fc.boolean(), fc.constantFrom(...v.resources), fc.oneof(fc.constantFrom(...v.actions), fc.constant('*')))
    .map(([deny, resource, action]) => `${deny ? '!' : ''}${resource}:${action}`);
  const tenantPolicy = fc.tuple(
    fc.array(fc.tuple(fc.array(rule, { maxLength: 3 }), fc.subarray([0, 1, 2, 3], { maxLength: 2 })), {
      minLength: v.roles.length,
      maxLength: v.roles.length,
    }),
    fc.array(fc.subarray([...v.roles], { maxLength: 2 }), { minLength: v.users.length, maxLength: v.users.length }),
  );
  return fc.tuple(tenantPolicy, tenantPolicy).map((tenants) =>
    tenants.flatMap(([roles, held], index) => {
      const tenant = v.tenants[index]!;
      const by = { by: v.bys[0]! };
      const calls: Call[] = roles.map(([rules, parents], role) => ({
        method: 'defineRole' as const,
        args: [
          tenant,
          v.roles[role]!,
          rules,
          { ...by, inherits: parents.filter((parent) => parent < role).map((parent) => v.roles[parent]!) },
        ],
      }));
      held.forEach((names, user) => {
        for (const name of names)
          calls.push({ method: 'assignRole' as const, args: [tenant, v.users[user]!, name, by] });
      });
      return calls;
    }),
  );
}

/** Everything a run draws: names, each instance's cacheTtlMs, the policy it starts from, and the steps. */
export function runArbitrary(options: RunOptions) {
  return fc
    .record({
      vocabulary: vocabularyArbitrary,
      ttls: fc.array(cacheTtlArbitrary, { minLength: options.instances, maxLength: options.instances }),
    })
    .chain(({ vocabulary, ttls }) => {
      const kinds = stepKinds(vocabulary, ttls, options);
      const weighted = [
        ...Array.from({ length: 8 }, () => kinds.call),
        kinds.advance,
        kinds.advance,
        ...(options.instances === 2 ? [kinds.advance] : []),
        kinds.restart,
        kinds.chain,
        kinds.survey,
        kinds.survey,
      ];
      return fc
        .tuple(
          policyArbitrary(vocabulary),
          fc.commands(weighted, { maxCommands: options.maxCommands, size: 'medium' }),
          finalChangeArbitrary(vocabulary),
        )
        .map(([policy, steps, finalChange]) => ({ vocabulary, ttls, policy, steps, finalChange }));
    });
}

interface InstanceState {
  readonly ttl: number;
  /** How many changes had been applied when this instance was created: it saw all of those. */
  readonly createdAfter: number;
}

interface ChangeRecord {
  readonly instance: number;
  /** The instance's generation: a restarted instance is another instance. */
  readonly generation: number;
  readonly tenant: string;
  readonly resolvedAt: number;
  readonly tenantCreated: boolean;
}

/** The model's side: the README's state plus what each instance must already have seen. */
export interface World {
  model: RbacModel;
  readonly instances: InstanceState[];
  readonly generations: number[];
  readonly changes: ChangeRecord[];
}

/** The implementation's side. */
export interface Real {
  readonly impl: Impl;
  readonly clock: ManualClock;
  readonly file: string;
  /** One database handle per instance (its own connections), replaced after a crash. */
  readonly handles: TestDatabase[];
  /** The same handles, able to die at a statement. */
  readonly crashables: Crashable[];
  readonly services: Rbac[];
  /** A separate instance with no cache, for reading the database back after a fault. */
  probe: Rbac | undefined;
  readonly opened: TestDatabase[];
  readonly vocabulary: Vocabulary;
}

/**
 * Calls the method as a caller would. Every method is async: a synchronous throw, or a result that
 * is not a promise, is reported as what it is rather than taken for a rejection.
 */
export function invoke(rbac: Rbac, call: Call): Promise<unknown> {
  const method = (rbac as unknown as Record<string, (...args: unknown[]) => unknown>)[call.method];
  if (typeof method !== 'function')
    return Promise.reject(new NotAsyncError(`the service has no method ${call.method}`));
  let result: unknown;
  try {
    result = method.apply(rbac, [...call.args]);
  } catch (error) {
    return Promise.reject(
      new NotAsyncError(`${call.method} threw synchronously instead of rejecting: ${describeError(error)}`),
    );
  }
  if (typeof (result as { then?: unknown } | null)?.then !== 'function') {
    return Promise.reject(new NotAsyncError(`${call.method} returned ${show(result)}, not a promise`));
  }
  return result as Promise<unknown>;
}

/** A method broke `async-api`: it threw instead of rejecting, or returned something other than a promise. */
export class NotAsyncError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotAsyncError';
  }
}

function classesOf(real: Real): ErrorClasses {
  return real.impl as unknown as ErrorClasses;
}

function tenantOf(call: Call): string | undefined {
  const candidate = isCheck(call) ? (call.args[2] as { tenant?: unknown } | undefined)?.tenant : call.args[0];
  return typeof candidate === 'string' ? candidate : undefined;
}

/**
 * Whether the instance must see every change in the tenant now: none was made through another
 * instance less than its cacheTtlMs ago. Returns the changes it may still miss.
 */
function unseenChanges(world: World, instance: number, tenant: string, now: number): ChangeRecord[] {
  const state = world.instances[instance]!;
  return world.changes
    .slice(state.createdAfter)
    .filter(
      (change) =>
        change.tenant === tenant &&
        !(change.instance === instance && change.generation === world.generations[instance]) &&
        !(change.resolvedAt + state.ttl <= now),
    );
}

/** A check that may answer from before some other instance's change: its answer need only be well formed. */
function staleAnswerProblem(
  actual: Outcome<unknown>,
  call: Call,
  unseen: readonly ChangeRecord[],
  classes: ErrorClasses,
): string | undefined {
  if (!actual.ok) {
    const tenant = tenantOf(call)!;
    if (unseen.some((change) => change.tenantCreated)) {
      return errorProblem(actual.error, { kind: 'unknown-tenant', tenant }, classes);
    }
    return `rejected ${show(actual.error)}, expected an answer`;
  }
  if (call.method === 'can')
    return typeof actual.value === 'boolean' ? undefined : `answered ${show(actual.value)}, not a boolean`;
  const value = actual.value as { granted?: unknown; reason?: unknown } | null;
  const reasons = ['allowed', 'denied', 'no-matching-rule', 'no-roles'];
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof value.granted !== 'boolean' ||
    !reasons.includes(value.reason as string)
  ) {
    return `answered ${show(actual.value)}, not an explanation`;
  }
  return undefined;
}

async function runStep(world: World, real: Real, step: Step): Promise<void> {
  switch (step.kind) {
    case 'advance':
      await real.clock.advance(step.ms);
      return;
    case 'restart':
      await restart(world, real, step.instance);
      return;
    case 'survey':
      for (const call of surveyCalls(real.vocabulary, step.tenant)) await runCall(world, real, step.instance, call);
      return;
    case 'calls':
      for (const call of step.calls) await runCall(world, real, step.instance, call);
      return;
    case 'call':
      if (step.fault === undefined) await runCall(world, real, step.instance, step.call);
      else if (step.fault.kind === 'every-statement') await runSweptCall(world, real, step.instance, step.call);
      else await runCrashedCall(world, real, step.instance, step.call, step.fault);
  }
}

async function restart(world: World, real: Real, instance: number): Promise<void> {
  const ttl = world.instances[instance]!.ttl;
  real.services[instance] = await real.impl.createRbac({
    db: real.crashables[instance]!.db,
    now: real.clock.now,
    cacheTtlMs: ttl,
  });
  world.instances[instance] = { ttl, createdAfter: world.changes.length };
  world.generations[instance]!++;
}

function recordChange(world: World, instance: number, call: Call, expected: Expectation, at: number): void {
  if (!isChange(call) || expected.kind !== 'resolves') return;
  world.changes.push({
    instance,
    generation: world.generations[instance]!,
    tenant: call.args[0] as string,
    resolvedAt: at,
    tenantCreated: call.method === 'createTenant',
  });
}

async function runCall(world: World, real: Real, instance: number, call: Call): Promise<void> {
  const at = real.clock.now();
  const tenant = tenantOf(call);
  const unseen = isCheck(call) && tenant !== undefined ? unseenChanges(world, instance, tenant, at) : [];
  const expected = world.model.apply(call, at);
  const actual = await settle(() => invoke(real.services[instance]!, call));
  const classes = classesOf(real);
  const problem =
    unseen.length > 0 && expected.kind === 'decision'
      ? staleAnswerProblem(actual, call, unseen, classes)
      : outcomeProblem(actual, expected, { classes });
  if (problem !== undefined)
    throw new Error(`${describeCall(instance, call)} ${problem}${context(world, call, expected)}`);
  recordChange(world, instance, call, expected, at);
}

/** What the model knew, for a failed check: the user's roles and rules. */
function context(world: World, call: Call, expected: Expectation): string {
  if (expected.kind !== 'decision') return '';
  return ` (${world.model.describeUser(tenantOf(call)!, call.args[0] as string)}; the model: ${describeDecision(expected.decision)})`;
}

/** Resolves with the call's outcome, or 'crashed' once the instance died and the call can never settle. */
async function settleOrCrash(
  call: Promise<Outcome<unknown>>,
  instance: Crashable,
): Promise<Outcome<unknown> | 'crashed'> {
  let settled: Outcome<unknown> | undefined;
  void call.then((outcome) => (settled = outcome));
  for (;;) {
    if (settled !== undefined) return settled;
    if (instance.crashed) return 'crashed';
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * A change with a database error at one statement, then at the next, and so on until it gets
 * through: each attempt that fails must leave nothing behind (the log and every decision it could
 * touch read back through another instance), and the attempt that gets through is an ordinary call.
 */
async function runSweptCall(world: World, real: Real, instance: number, call: Call): Promise<void> {
  const classes = classesOf(real);
  for (let skip = 0; ; skip++) {
    const fault = real.handles[instance]!.injectFault({ when: faultTargets.everything, skip, times: 1 });
    const at = real.clock.now();
    const before = world.model.clone();
    const expected = world.model.apply(call, at);
    const outcome = await settle(() => invoke(real.services[instance]!, call));
    fault.remove();
    const what = `${describeCall(instance, call)} with a database error at statement ${skip + 1}`;
    const problem = outcomeProblem(outcome, expected, { classes });
    // Got through, or was refused for what it asked: the change's own outcome, and the sweep is over.
    if (fault.fired === 0 || outcome.ok || problem === undefined) {
      if (problem !== undefined)
        throw new Error(`${fault.fired === 0 ? describeCall(instance, call) : what} ${problem}`);
      recordChange(world, instance, call, expected, at);
      if (fault.fired > 0) await compareDatabase(world, real, call, what);
      return;
    }
    world.model = before;
    await compareDatabase(world, real, call, what);
  }
}

/**
 * A change during which its instance dies at a statement: afterwards the database holds the change
 * with its entry, or nothing of it, read back through another instance; then a new instance takes
 * the dead one's place.
 */
async function runCrashedCall(world: World, real: Real, instance: number, call: Call, plan: CrashPlan): Promise<void> {
  const classes = classesOf(real);
  const dying = real.crashables[instance]!;
  dying.crashAt(plan.statement, plan.timing);
  const at = real.clock.now();
  const before = world.model.clone();
  const expected = world.model.apply(call, at);
  const outcome = await settleOrCrash(
    settle(() => invoke(real.services[instance]!, call)),
    dying,
  );
  dying.disarm();
  if (outcome !== 'crashed') {
    const problem = outcomeProblem(outcome, expected, { classes });
    if (problem !== undefined) throw new Error(`${describeCall(instance, call)} ${problem}`);
    recordChange(world, instance, call, expected, at);
    return;
  }
  const what = `${describeCall(instance, call)} with the instance dying ${plan.timing} statement ${plan.statement}`;
  const after = world.model;
  const tenant = call.args[0] as string;
  const log = await settle(async () => (await probe(real)).auditLog(tenant));
  const logOf = (state: RbacModel) => state.clone().apply({ method: 'auditLog', args: [tenant] }, at);
  if (outcomeProblem(log, logOf(after), { classes }) === undefined) {
    recordChange(world, instance, call, expected, at);
  } else if (outcomeProblem(log, logOf(before), { classes }) === undefined) {
    world.model = before;
  } else {
    const problem = outcomeProblem(log, logOf(before), { classes });
    throw new Error(
      `after ${what}, the log of ${show(tenant)} is neither the one before the change nor the one after it: ${problem}`,
    );
  }
  await compareDatabase(world, real, call, what);
  const replacement = openTestDatabase(real.file, FAST);
  real.opened.push(replacement);
  real.handles[instance] = replacement;
  real.crashables[instance] = crashable(replacement);
  await restart(world, real, instance);
}

/** The probe: an instance of its own, without a cache, on a handle of its own. */
async function probe(real: Real): Promise<Rbac> {
  if (real.probe === undefined) {
    const handle = openTestDatabase(real.file, FAST);
    real.opened.push(handle);
    real.probe = await real.impl.createRbac({ db: handle.db, now: real.clock.now, cacheTtlMs: 0 });
  }
  return real.probe;
}

/** Every tenant's log and every decision of the vocabulary, read through `rbac`, against the model. */
async function compareEverything(
  world: World,
  real: Real,
  rbac: Rbac,
  vocabulary: Vocabulary,
  label: string,
): Promise<void> {
  for (const tenant of vocabulary.tenants) await compareTenant(world, real, rbac, vocabulary, tenant, label);
}

/** explain for every user and every permission of the vocabulary, in one tenant. */
function surveyCalls(vocabulary: Vocabulary, tenant: string): Call[] {
  return vocabulary.users.flatMap((user) =>
    vocabulary.resources.flatMap((resource) =>
      vocabulary.actions.map((action): Call => ({
        method: 'explain',
        args: [user, `${resource}:${action}`, { tenant }],
      })),
    ),
  );
}

async function compareTenant(
  world: World,
  real: Real,
  rbac: Rbac,
  vocabulary: Vocabulary,
  tenant: string,
  label: string,
): Promise<void> {
  const classes = classesOf(real);
  const at = real.clock.now();
  const calls: Call[] = [
    { method: 'auditLog' as const, args: [tenant] },
    ...(world.model.hasTenant(tenant) ? surveyCalls(vocabulary, tenant) : []),
  ];
  for (const call of calls) {
    // Reads change nothing in the model either.
    const expected = world.model.apply(call, at);
    const actual = await settle(() => invoke(rbac, call));
    const problem = outcomeProblem(actual, expected, { classes });
    if (problem !== undefined) {
      throw new Error(
        `${label}: ${call.method}(${call.args.map((arg) => show(arg, 60)).join(', ')}) ${problem}${context(world, call, expected)}`,
      );
    }
  }
}

/**
 * After a fault: the tenant's log and every decision the change could have touched (the user's, for
 * an assignment; everyone's otherwise), read through the probe, must be the model's.
 */
async function compareDatabase(world: World, real: Real, call: Call, what: string): Promise<void> {
  const tenant = call.args[0] as string;
  const users =
    call.method === 'assignRole' || call.method === 'revokeRole' ? [call.args[1] as string] : real.vocabulary.users;
  const reader = await probe(real);
  const calls: Call[] = [
    { method: 'auditLog', args: [tenant] },
    ...(world.model.hasTenant(tenant) ? surveyCalls({ ...real.vocabulary, users }, tenant) : []),
  ];
  for (const read of calls) {
    const expected = world.model.apply(read, real.clock.now());
    const problem = outcomeProblem(await settle(() => invoke(reader, read)), expected, { classes: classesOf(real) });
    if (problem !== undefined) {
      throw new Error(
        `after ${what}, another instance read ${describeCall(0, read).slice(2)}: ${problem}${context(world, read, expected)}`,
      );
    }
  }
}

/** Runs one drawn sequence against the implementation and the model. */
export async function runModel(
  impl: Impl,
  run: {
    vocabulary: Vocabulary;
    ttls: readonly number[];
    policy: readonly Call[];
    steps: Iterable<fc.AsyncCommand<World, Real>>;
    finalChange: Call;
  },
  seed: number,
): Promise<void> {
  const { vocabulary, ttls } = run;
  const description = `a policy of ${run.policy.length} calls, tenants ${show(vocabulary.tenants)}, roles ${show(vocabulary.roles)}, users ${show(vocabulary.users)}, by ${show(vocabulary.bys)}, cacheTtlMs ${ttls.map((ttl, index) => `${INSTANCE_NAMES[index]}=${ttl}`).join(' ')}`;
  const final = command<World, Real, null>({
    args: fc.constant(null),
    describe: () =>
      `every instance reads ${show(run.finalChange.args[0])} (filling its cache), then ${describeCall(0, run.finalChange)}; once every cacheTtlMs has passed, every instance and a new one read every decision back`,
    run: async (world, real) => {
      // Every instance caches what it reads, then the first one makes a change...
      const changed = run.finalChange.args[0] as string;
      for (const [instance] of real.services.entries()) {
        for (const call of surveyCalls(vocabulary, changed)) await runCall(world, real, instance, call);
      }
      await runCall(world, real, 0, run.finalChange);
      // ...and each live instance reads again once its window has passed, to the millisecond (then
      // every answer must be current, unless its cacheTtlMs is Infinity)...
      const windows = world.instances.map((state) => state.ttl).filter((ttl) => Number.isFinite(ttl));
      await real.clock.advance(Math.max(0, ...windows));
      for (const [instance] of real.services.entries()) {
        for (const tenant of vocabulary.tenants.slice(0, 2)) {
          for (const call of surveyCalls(vocabulary, tenant)) await runCall(world, real, instance, call);
        }
      }
      // ...and a new instance, which has nothing in memory.
      const fresh = await real.impl.createRbac({ db: real.handles[0]!.db, now: real.clock.now, cacheTtlMs: 0 });
      await compareEverything(world, real, fresh, vocabulary, 'a new instance on the same database');
    },
  });
  const [finalStep] = fc.sample(final, 1);
  await runCommands(async () => {
    const testDb = createTestDatabase({ seed, ...FAST });
    const opened: TestDatabase[] = [testDb];
    try {
      const clock = createManualClock();
      const handles = [testDb];
      for (let index = 1; index < ttls.length; index++) {
        const other = openTestDatabase(testDb.file, { seed: seed + index, ...FAST });
        opened.push(other);
        handles.push(other);
      }
      const crashables = handles.map((handle) => crashable(handle));
      const services: Rbac[] = [];
      for (const [index, ttl] of ttls.entries()) {
        services.push(await impl.createRbac({ db: crashables[index]!.db, now: clock.now, cacheTtlMs: ttl }));
      }
      const real: Real = {
        impl,
        clock,
        file: testDb.file,
        handles,
        crashables,
        services,
        probe: undefined,
        opened,
        vocabulary,
      };
      const world: World = {
        model: new RbacModel(),
        instances: ttls.map((ttl) => ({ ttl, createdAfter: 0 })),
        generations: ttls.map(() => 0),
        changes: [],
      };
      // The first two tenants and their policy exist from the start, made through the first instance.
      for (const tenant of vocabulary.tenants.slice(0, 2)) {
        await runCall(world, real, 0, { method: 'createTenant' as const, args: [tenant, { by: vocabulary.bys[0]! }] });
      }
      for (const call of run.policy) await runCall(world, real, 0, call);
      return {
        model: world,
        real,
        description,
        teardown: async () => {
          for (const handle of opened.reverse()) await handle.close();
        },
      };
    } catch (error) {
      for (const handle of opened.reverse()) await handle.close();
      throw error;
    }
  }, [...run.steps, finalStep!]);
}
