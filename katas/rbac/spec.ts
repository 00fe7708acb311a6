import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { createManualClock, defineSpec, type ManualClock } from '../../harness/kit/index.ts';
import { createTestDatabase, openTestDatabase, type TestDatabase } from '../../harness/kit/db/index.ts';
import { runWorkers } from '../../harness/kit/workers/index.ts';
import type { AppInstanceArgs, AppInstanceResult, RevokeReport } from './app-instance.ts';
import { Interleaving } from './interleaving.ts';
import { ERROR_CODES, RbacModel, type ErrorCode } from './model.ts';
import type * as RbacModule from './index.ts';

type Impl = typeof RbacModule;
type Rbac = RbacModule.Rbac;

const appInstanceFile = fileURLToPath(new URL('./app-instance.ts', import.meta.url));

const ROOT = { by: 'root' };
const ADMIN = { by: 'admin@acme' };
const GLOBEX_ADMIN = { by: 'admin@globex' };
const inAcme = { tenant: 'acme' };
const inGlobex = { tenant: 'globex' };

interface Service {
  readonly rbac: Rbac;
  readonly clock: ManualClock;
  readonly testDb: TestDatabase;
}

/** A fresh database and service for one check body; the database is deleted afterwards. */
async function withService<T>(
  impl: Impl,
  options: { cacheTtlMs?: number },
  body: (service: Service) => Promise<T>,
): Promise<T> {
  const testDb = createTestDatabase();
  try {
    const clock = createManualClock();
    const rbac = await impl.createRbac({ db: testDb.db, now: clock.now, cacheTtlMs: options.cacheTtlMs ?? 0 });
    return await body({ rbac, clock, testDb });
  } finally {
    await testDb.close();
  }
}

/**
 * The staffing platform of the README. acme: employee < hr < payroll-manager, and contractor-hr,
 * an hr that may not see salaries. globex reuses the role names with other rules.
 */
async function seedStaffing(rbac: Rbac): Promise<void> {
  await rbac.createTenant('acme', ROOT);
  await rbac.createTenant('globex', ROOT);
  await rbac.defineRole('acme', 'employee', ['attendance:view'], ADMIN);
  await rbac.defineRole('acme', 'hr', ['salary:view', 'attendance:*'], { ...ADMIN, inherits: ['employee'] });
  await rbac.defineRole('acme', 'payroll-manager', ['payroll:run'], { ...ADMIN, inherits: ['hr'] });
  await rbac.defineRole('acme', 'contractor-hr', ['!salary:view'], { ...ADMIN, inherits: ['hr'] });
  await rbac.defineRole('globex', 'employee', ['attendance:view'], GLOBEX_ADMIN);
  await rbac.defineRole('globex', 'hr', ['attendance:edit'], { ...GLOBEX_ADMIN, inherits: ['employee'] });
  await rbac.assignRole('acme', 'u1', 'employee', ADMIN);
  await rbac.assignRole('acme', 'u7', 'hr', ADMIN);
  await rbac.assignRole('acme', 'u8', 'contractor-hr', ADMIN);
  await rbac.assignRole('acme', 'u9', 'payroll-manager', ADMIN);
  await rbac.assignRole('globex', 'u2', 'hr', GLOBEX_ADMIN);
}

/** The error a call threw or rejected with, or undefined when it succeeded. */
async function caught(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  return undefined;
}

function shown(error: unknown): string {
  if (error === undefined) return 'it succeeded';
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${typeof code === 'string' ? ` (${code})` : ''}: ${error.message}`;
  }
  return String(error);
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function expectRefusal(label: string, call: () => unknown, code: ErrorCode, names: string[]): Promise<void> {
  const error = await caught(call);
  expect(codeOf(error), `${label} should throw ${code}, but ${shown(error)}`).toBe(code);
  for (const name of names) {
    expect(messageOf(error), `${label}: the ${code} message should name ${JSON.stringify(name)}`).toContain(name);
  }
}

async function expectArgumentError(label: string, call: () => unknown, received: RegExp): Promise<void> {
  const error = await caught(call);
  expect(
    error instanceof TypeError || error instanceof RangeError,
    `${label} should throw a TypeError or RangeError, but ${shown(error)}`,
  ).toBe(true);
  expect(messageOf(error), `${label}: the message should say what was received`).toMatch(received);
}

/** Asks every (user, permission) pair and lists the answers, so "nothing changed" can be compared. */
async function snapshot(rbac: Rbac, tenant: string, users: string[], permissions: string[]): Promise<string[]> {
  const answers: string[] = [];
  for (const user of users) {
    for (const permission of permissions)
      answers.push(`${user} ${permission} ${await rbac.can(user, permission, { tenant })}`);
  }
  return answers;
}

// Vocabulary for generated policies: resources that share prefixes, so wildcard bugs show.
const TENANTS = ['acme', 'globex'] as const;
const UNKNOWN_TENANT = 'initech';
const ROLE_NAMES = ['employee', 'hr', 'manager', 'auditor', 'ops'] as const;
const USERS = ['u1', 'u2', 'u3'] as const;
const RESOURCES = ['salary', 'attendance', 'attendance-admin', 'payroll'] as const;
const ACTIONS = ['view', 'edit'] as const;
const PERMISSIONS = RESOURCES.flatMap((resource) => ACTIONS.map((action) => `${resource}:${action}`));

type Operation =
  | { kind: 'define'; tenant: string; role: string; rules: string[]; inherits: string[] }
  | { kind: 'delete'; tenant: string; role: string }
  | { kind: 'assign' | 'revoke'; tenant: string; userId: string; role: string }
  | { kind: 'check'; tenant: string; userId: string; permission: string };

const tenantArbitrary = fc.oneof(
  { arbitrary: fc.constantFrom(...TENANTS), weight: 12 },
  { arbitrary: fc.constant(UNKNOWN_TENANT), weight: 1 },
);
const roleArbitrary = fc.constantFrom(...ROLE_NAMES);
const userArbitrary = fc.constantFrom(...USERS);
const ruleArbitrary = fc
  .tuple(
    fc.oneof({ arbitrary: fc.constant(''), weight: 3 }, { arbitrary: fc.constant('!'), weight: 1 }),
    fc.constantFrom(...RESOURCES),
    fc.oneof({ arbitrary: fc.constantFrom(...ACTIONS), weight: 3 }, { arbitrary: fc.constant('*'), weight: 1 }),
  )
  .map(([effect, resource, action]) => `${effect}${resource}:${action}`);

const operationArbitrary: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('define' as const),
      tenant: tenantArbitrary,
      role: roleArbitrary,
      rules: fc.array(ruleArbitrary, { maxLength: 3 }),
      inherits: fc.subarray([...ROLE_NAMES], { maxLength: 3 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constantFrom('assign' as const, 'revoke' as const),
      tenant: tenantArbitrary,
      userId: userArbitrary,
      role: roleArbitrary,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('delete' as const), tenant: tenantArbitrary, role: roleArbitrary }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('check' as const),
      tenant: tenantArbitrary,
      userId: userArbitrary,
      permission: fc.constantFrom(...PERMISSIONS),
    }),
  },
);

/**
 * Every role defined in both tenants with generated rules, and each user given some of them, so
 * the generated operations mostly act on roles that exist (redefinitions, deletes, revokes).
 */
const initialPolicyArbitrary: fc.Arbitrary<Operation[]> = fc
  .tuple(
    fc.array(fc.array(ruleArbitrary, { maxLength: 3 }), {
      minLength: TENANTS.length * ROLE_NAMES.length,
      maxLength: TENANTS.length * ROLE_NAMES.length,
    }),
    fc.array(fc.subarray([...ROLE_NAMES], { maxLength: 2 }), {
      minLength: TENANTS.length * USERS.length,
      maxLength: TENANTS.length * USERS.length,
    }),
  )
  .map(([rules, held]) => [
    ...TENANTS.flatMap((tenant, t) =>
      ROLE_NAMES.map((role, r): Operation => ({
        kind: 'define',
        tenant,
        role,
        rules: rules[t * ROLE_NAMES.length + r]!,
        inherits: [],
      })),
    ),
    ...TENANTS.flatMap((tenant, t) =>
      USERS.flatMap((userId, u) =>
        held[t * USERS.length + u]!.map((role): Operation => ({ kind: 'assign', tenant, userId, role })),
      ),
    ),
  ]);

function describeOperation(operation: Operation): string {
  switch (operation.kind) {
    case 'define':
      return `defineRole(${operation.tenant}, ${operation.role}, [${operation.rules.join(', ')}], inherits [${operation.inherits.join(', ')}])`;
    case 'delete':
      return `deleteRole(${operation.tenant}, ${operation.role})`;
    case 'assign':
    case 'revoke':
      return `${operation.kind}Role(${operation.tenant}, ${operation.userId}, ${operation.role})`;
    case 'check':
      return `can(${operation.userId}, ${operation.permission}, ${operation.tenant})`;
  }
}

/** Why an explanation is not a correct account of the model's decision, or undefined when it is. */
function explanationProblem(
  model: RbacModel,
  tenant: string,
  userId: string,
  permission: string,
  explanation: RbacModule.Explanation,
): string | undefined {
  const call = `explain(${userId}, ${permission}, ${tenant}) answered ${JSON.stringify(explanation)}`;
  const matching = model.matchingRules(tenant, userId, permission);
  const denied = matching.some(({ rule }) => rule.startsWith('!'));
  const expected = !denied && matching.length > 0;
  if (explanation?.granted !== expected) return `${call}, but the decision is ${expected}`;
  const held = model.rolesOf(tenant, userId);
  if (held.length === 0) {
    return explanation.reason === 'no-roles'
      ? undefined
      : `${call}; ${userId} holds no role in ${tenant}, so the reason should be no-roles`;
  }
  const wanted = expected ? 'allowed' : denied ? 'denied' : 'no-matching-rule';
  if (explanation.reason !== wanted) return `${call}; the reason should be ${wanted}`;
  if (explanation.reason === 'no-matching-rule') return undefined;
  const { role, rule, path } = explanation;
  if (!matching.some((candidate) => candidate.role === role && candidate.rule === rule)) {
    return `${call}; role ${role} holds no rule ${rule} matching ${permission} among the user's roles`;
  }
  if (!Array.isArray(path) || path.length === 0 || path.at(-1) !== role || !held.includes(path[0]!)) {
    return `${call}; path should run from a role ${userId} holds (${held.join(', ')}) to ${role}`;
  }
  for (let index = 0; index + 1 < path.length; index++) {
    if (!model.inherits(tenant, path[index]!, path[index + 1]!)) {
      return `${call}; ${path[index]} does not inherit ${path[index + 1]}`;
    }
  }
  return undefined;
}

export default defineSpec<Impl>('rbac', ({ check }) => {
  check(
    {
      id: 'deny-by-default',
      title: 'a permission no rule grants is refused: no roles, unknown permissions, empty roles',
      item: 'security',
      weight: 2,
      redFlag: 'security-vulnerability',
    },
    ({ impl }) =>
      withService(impl, {}, async ({ rbac }) => {
        await seedStaffing(rbac);
        await rbac.defineRole('acme', 'visitor', [], ADMIN);
        await rbac.assignRole('acme', 'u3', 'visitor', ADMIN);
        const refused: [string, string][] = [
          ['nobody', 'attendance:view'],
          ['u1', 'salary:view'],
          ['u1', 'attendance:edit'],
          ['u7', 'payroll:run'],
          ['u7', 'fleet:drive'],
          ['u3', 'attendance:view'],
        ];
        for (const [user, permission] of refused) {
          expect(
            await rbac.can(user, permission, inAcme),
            `user ${user} of tenant acme was granted ${permission}, which no rule grants`,
          ).toBe(false);
        }
        expect(await rbac.can('u1', 'attendance:view', inAcme), 'employee u1 was refused attendance:view').toBe(true);
      }),
  );

  check(
    {
      id: 'deny-overrides-allow',
      title: 'an explicit deny beats any allow, whatever the order of roles, rules and inheritance',
      item: 'security',
      weight: 2,
      redFlag: 'security-vulnerability',
    },
    ({ impl }) =>
      withService(impl, {}, async ({ rbac }) => {
        await seedStaffing(rbac);
        await rbac.defineRole('acme', 'suspended', ['!salary:*'], ADMIN);
        await rbac.defineRole('acme', 'allow-then-deny', ['salary:view', '!salary:view'], ADMIN);
        await rbac.defineRole('acme', 'deny-then-allow', ['!salary:view', 'salary:view'], ADMIN);
        await rbac.defineRole('acme', 'no-salary', ['!salary:view'], ADMIN);
        await rbac.defineRole('acme', 'lead', ['salary:view'], { ...ADMIN, inherits: ['no-salary'] });
        await rbac.assignRole('acme', 'a1', 'hr', ADMIN);
        await rbac.assignRole('acme', 'a1', 'suspended', ADMIN);
        await rbac.assignRole('acme', 'a2', 'suspended', ADMIN);
        await rbac.assignRole('acme', 'a2', 'hr', ADMIN);
        await rbac.assignRole('acme', 'a3', 'allow-then-deny', ADMIN);
        await rbac.assignRole('acme', 'a4', 'deny-then-allow', ADMIN);
        await rbac.assignRole('acme', 'a5', 'lead', ADMIN);
        const cases: [string, string][] = [
          ['a1', 'hr, then suspended (!salary:*)'],
          ['a2', 'suspended (!salary:*), then hr'],
          ['a3', 'one role with salary:view, then !salary:view'],
          ['a4', 'one role with !salary:view, then salary:view'],
          ['a5', 'lead (salary:view) inheriting no-salary (!salary:view)'],
          ['u8', 'contractor-hr (!salary:view) inheriting hr (salary:view)'],
        ];
        for (const [user, holds] of cases) {
          expect(
            await rbac.can(user, 'salary:view', inAcme),
            `user ${user} holding ${holds} was granted salary:view`,
          ).toBe(false);
        }
        expect(
          await rbac.can('u8', 'attendance:edit', inAcme),
          'a deny of salary:view also took attendance:edit from u8',
        ).toBe(true);
        expect(
          await rbac.can('a1', 'attendance:edit', inAcme),
          'a deny of salary:* also took attendance:edit from a1',
        ).toBe(true);
      }),
  );

  check(
    {
      id: 'tenant-isolation',
      title: 'roles, assignments, changes and cached answers in one tenant grant nothing in another',
      item: 'security',
      weight: 3,
      redFlag: 'security-vulnerability',
    },
    ({ impl }) =>
      withService(impl, { cacheTtlMs: 60_000 }, async ({ rbac }) => {
        await seedStaffing(rbac);
        await rbac.defineRole('acme', 'payroll-admin', ['payroll:*'], ADMIN);
        // Ask in acme first, so an answer cached without its tenant would leak into globex.
        expect(await rbac.can('u7', 'salary:view', inAcme), 'hr user u7 was refused salary:view in acme').toBe(true);
        expect(
          await rbac.can('u7', 'salary:view', inGlobex),
          'user u7 of tenant acme was granted salary:view in tenant globex',
        ).toBe(false);
        expect(
          await rbac.can('u7', 'attendance:view', inGlobex),
          'user u7 of tenant acme was granted attendance:view in tenant globex, where u7 holds no role',
        ).toBe(false);
        expect(
          await rbac.can('u2', 'attendance:edit', inGlobex),
          'hr user u2 was refused attendance:edit in globex',
        ).toBe(true);
        expect(
          await rbac.can('u2', 'attendance:edit', inAcme),
          'user u2 of tenant globex was granted attendance:edit in tenant acme',
        ).toBe(false);
        expect(
          await rbac.can('u2', 'salary:view', inGlobex),
          "globex's hr was granted salary:view, which only acme's hr has",
        ).toBe(false);

        await expectRefusal(
          "assignRole('globex', 'u9', 'payroll-admin'), a role only acme has",
          () => rbac.assignRole('globex', 'u9', 'payroll-admin', GLOBEX_ADMIN),
          ERROR_CODES.unknownRole,
          ['payroll-admin'],
        );
        await expectRefusal(
          "defineRole('globex', 'auditor', [], { inherits: ['payroll-admin'] }), a role only acme has",
          () => rbac.defineRole('globex', 'auditor', [], { ...GLOBEX_ADMIN, inherits: ['payroll-admin'] }),
          ERROR_CODES.unknownRole,
          ['payroll-admin'],
        );

        // Changes in globex leave acme alone, even with the same user and role names.
        await rbac.revokeRole('globex', 'u7', 'hr', GLOBEX_ADMIN);
        expect(
          await rbac.can('u7', 'salary:view', inAcme),
          "revoking hr from u7 in globex took u7's hr away in acme",
        ).toBe(true);
        await rbac.deleteRole('globex', 'hr', GLOBEX_ADMIN);
        expect(await rbac.can('u7', 'salary:view', inAcme), "deleting globex's hr removed acme's hr").toBe(true);
        await rbac.defineRole('globex', 'employee', ['salary:view'], GLOBEX_ADMIN);
        expect(
          await rbac.can('u1', 'salary:view', inAcme),
          "redefining globex's employee changed acme's employee",
        ).toBe(false);
        await rbac.assignRole('globex', 'u1', 'employee', GLOBEX_ADMIN);
        expect(
          await rbac.can('u1', 'salary:view', inGlobex),
          'u1 was refused salary:view after getting employee in globex',
        ).toBe(true);
        expect(
          await rbac.can('u1', 'salary:view', inAcme),
          'user u1 was granted salary:view in tenant acme by a role held in tenant globex',
        ).toBe(false);

        const globexLog = await rbac.auditLog('globex');
        const leaked = globexLog.filter((entry) => entry.tenant !== 'globex' || entry.by === ADMIN.by);
        expect(leaked, `auditLog('globex') shows ${leaked.length} entries of tenant acme`).toEqual([]);
      }),
  );

  check(
    {
      id: 'wildcard-boundaries',
      title: "'attendance:*' covers every action on attendance and nothing else: no prefixes, no regex",
      item: 'security',
      weight: 2,
      redFlag: 'security-vulnerability',
    },
    ({ impl }) =>
      withService(impl, {}, async ({ rbac }) => {
        await rbac.createTenant('acme', ROOT);
        await rbac.defineRole('acme', 'attendance-lead', ['attendance:*'], ADMIN);
        await rbac.defineRole('acme', 'api-client', ['v1.payroll:*'], ADMIN);
        await rbac.defineRole('acme', 'viewer', ['salary:view'], ADMIN);
        await rbac.assignRole('acme', 'lead', 'attendance-lead', ADMIN);
        await rbac.assignRole('acme', 'client', 'api-client', ADMIN);
        await rbac.assignRole('acme', 'viewer', 'viewer', ADMIN);
        const cases: [string, string, boolean, string][] = [
          ['lead', 'attendance:edit', true, "'attendance:*'"],
          ['lead', 'attendance:view', true, "'attendance:*'"],
          ['lead', 'attendance:approve', true, "'attendance:*'"],
          ['lead', 'attendance-admin:edit', false, "'attendance:*'"],
          ['lead', 'attendances:view', false, "'attendance:*'"],
          ['lead', 'attendance.archive:view', false, "'attendance:*'"],
          ['client', 'v1.payroll:run', true, "'v1.payroll:*'"],
          ['client', 'v1-payroll:run', false, "'v1.payroll:*'"],
          ['client', 'v1xpayroll:run', false, "'v1.payroll:*'"],
          ['viewer', 'salary:view-all', false, "'salary:view'"],
          ['viewer', 'salary:views', false, "'salary:view'"],
        ];
        for (const [user, permission, expected, rule] of cases) {
          const verb = expected ? 'refused' : 'granted';
          expect(
            await rbac.can(user, permission, inAcme),
            `user ${user} holding only ${rule} was ${verb} ${permission}`,
          ).toBe(expected);
        }
      }),
  );

  check(
    {
      id: 'deep-inheritance',
      title: 'inheritance is transitive at any depth (25 links, past casbin’s 10) and runs one way only',
      item: 'api-design',
      weight: 2,
    },
    ({ impl }) =>
      withService(impl, {}, async ({ rbac }) => {
        await rbac.createTenant('acme', ROOT);
        const depth = 25;
        await rbac.defineRole('acme', `level-${depth - 1}`, ['payroll:run'], ADMIN);
        for (let level = depth - 2; level >= 0; level--) {
          await rbac.defineRole('acme', `level-${level}`, [`level-${level}:perk`], {
            ...ADMIN,
            inherits: [`level-${level + 1}`],
          });
        }
        for (const level of [0, 1, 2, 5, 9, 10, 11, 12, 20, depth - 1]) {
          await rbac.assignRole('acme', `holder-${level}`, `level-${level}`, ADMIN);
          const links = depth - 1 - level;
          expect(
            await rbac.can(`holder-${level}`, 'payroll:run', inAcme),
            `holder of level-${level} was refused payroll:run, granted by level-${depth - 1}, ${links} inheritance links away`,
          ).toBe(true);
        }
        expect(
          await rbac.can('holder-12', 'level-13:perk', inAcme),
          'holder of level-12 was refused level-13:perk, one link away',
        ).toBe(true);
        expect(
          await rbac.can('holder-12', 'level-11:perk', inAcme),
          'holder of level-12 was granted level-11:perk: inheritance ran backwards, from level-11 which inherits level-12',
        ).toBe(false);
        expect(
          await rbac.can('holder-24', 'level-0:perk', inAcme),
          'holder of level-24 was granted level-0:perk: inheritance ran backwards',
        ).toBe(false);
      }),
  );

  check(
    {
      id: 'diamond-inheritance',
      title: 'a role reached along two paths (a diamond) is accepted and grants once, through either path',
      item: 'api-design',
    },
    ({ impl }) =>
      withService(impl, {}, async ({ rbac }) => {
        await rbac.createTenant('acme', ROOT);
        await rbac.defineRole('acme', 'base', ['attendance:view'], ADMIN);
        await rbac.defineRole('acme', 'left', ['salary:view'], { ...ADMIN, inherits: ['base'] });
        await rbac.defineRole('acme', 'right', ['shift:edit'], { ...ADMIN, inherits: ['base'] });
        const accepted = await caught(() =>
          rbac.defineRole('acme', 'top', [], { ...ADMIN, inherits: ['left', 'right'] }),
        );
        expect(
          accepted,
          `top inheriting left and right, which both inherit base, is a diamond, not a cycle, but ${shown(accepted)}`,
        ).toBeUndefined();
        await rbac.assignRole('acme', 'u1', 'top', ADMIN);
        for (const permission of ['attendance:view', 'salary:view', 'shift:edit']) {
          expect(
            await rbac.can('u1', permission, inAcme),
            `holder of top (a diamond over base) was refused ${permission}`,
          ).toBe(true);
        }
        // A lattice: each layer's two roles inherit both roles of the layer above, 2^12 paths to the top.
        await rbac.defineRole('acme', 'layer-12-a', ['vault:open'], ADMIN);
        await rbac.defineRole('acme', 'layer-12-b', [], ADMIN);
        for (let layer = 11; layer >= 0; layer--) {
          for (const side of ['a', 'b']) {
            const error = await caught(() =>
              rbac.defineRole('acme', `layer-${layer}-${side}`, [], {
                ...ADMIN,
                inherits: [`layer-${layer + 1}-a`, `layer-${layer + 1}-b`],
              }),
            );
            expect(
              error,
              `layer-${layer}-${side} inheriting both roles of layer ${layer + 1} was refused: ${shown(error)}`,
            ).toBeUndefined();
          }
        }
        await rbac.assignRole('acme', 'u2', 'layer-0-a', ADMIN);
        expect(
          await rbac.can('u2', 'vault:open', inAcme),
          'holder of layer-0-a was refused vault:open, 12 layers up a lattice',
        ).toBe(true);
        await rbac.defineRole('acme', 'base', ['!attendance:view'], ADMIN);
        expect(
          await rbac.can('u1', 'attendance:view', inAcme),
          'base now denies attendance:view, yet its diamond descendant top still has it',
        ).toBe(false);
      }),
  );

  check(
    {
      id: 'rejects-cycles',
      title:
        'a definition that would make a role inherit itself is refused with RoleCycleError naming the cycle, and changes nothing',
      item: 'code-error-handling',
      weight: 2,
      redFlag: 'no-error-handling',
    },
    ({ impl }) =>
      withService(impl, {}, async ({ rbac }) => {
        await rbac.createTenant('acme', ROOT);
        await rbac.defineRole('acme', 'clerk', ['attendance:view'], ADMIN);
        await rbac.defineRole('acme', 'supervisor', ['attendance:edit'], { ...ADMIN, inherits: ['clerk'] });
        await rbac.defineRole('acme', 'director', ['salary:view'], { ...ADMIN, inherits: ['supervisor'] });
        await rbac.assignRole('acme', 'u1', 'clerk', ADMIN);
        await rbac.assignRole('acme', 'u2', 'director', ADMIN);
        const users = ['u1', 'u2'];
        const permissions = ['attendance:view', 'attendance:edit', 'salary:view', 'payroll:run'];
        const before = await snapshot(rbac, 'acme', users, permissions);

        await expectRefusal(
          "defineRole('acme', 'clerk', ['payroll:run'], { inherits: ['director'] }) (director > supervisor > clerk)",
          () => rbac.defineRole('acme', 'clerk', ['payroll:run'], { ...ADMIN, inherits: ['director'] }),
          ERROR_CODES.cycle,
          ['clerk', 'supervisor', 'director'],
        );
        await expectRefusal(
          "defineRole('acme', 'supervisor', [], { inherits: ['supervisor'] })",
          () => rbac.defineRole('acme', 'supervisor', [], { ...ADMIN, inherits: ['supervisor'] }),
          ERROR_CODES.cycle,
          ['supervisor'],
        );
        await expectRefusal(
          "defineRole('acme', 'clerk', [], { inherits: ['attendance-lead', 'director'] })",
          async () => {
            await rbac.defineRole('acme', 'attendance-lead', ['attendance:*'], ADMIN);
            await rbac.defineRole('acme', 'clerk', [], { ...ADMIN, inherits: ['attendance-lead', 'director'] });
          },
          ERROR_CODES.cycle,
          ['clerk', 'director'],
        );
        expect(
          await snapshot(rbac, 'acme', users, permissions),
          'a refused definition changed what users may do',
        ).toEqual(before);
      }),
  );

  check(
    {
      id: 'delete-role-cascades',
      title: 'deleting a role takes away what it granted, directly and through inheritance, for good',
      item: 'security',
      weight: 2,
      redFlag: 'security-vulnerability',
    },
    ({ impl }) =>
      withService(impl, {}, async ({ rbac }) => {
        await rbac.createTenant('acme', ROOT);
        await rbac.defineRole('acme', 'employee', ['attendance:view'], ADMIN);
        await rbac.defineRole('acme', 'manager', ['team:approve'], { ...ADMIN, inherits: ['employee'] });
        await rbac.defineRole('acme', 'director', ['budget:approve'], { ...ADMIN, inherits: ['manager'] });
        await rbac.defineRole('acme', 'night-shift', ['shift:edit'], { ...ADMIN, inherits: ['employee'] });
        await rbac.defineRole('acme', 'floor-lead', [], { ...ADMIN, inherits: ['manager', 'night-shift'] });
        await rbac.assignRole('acme', 'u1', 'employee', ADMIN);
        await rbac.assignRole('acme', 'u2', 'director', ADMIN);
        await rbac.assignRole('acme', 'u3', 'floor-lead', ADMIN);
        expect(
          await rbac.can('u2', 'attendance:view', inAcme),
          'director u2 was refused attendance:view before any delete',
        ).toBe(true);

        await rbac.deleteRole('acme', 'manager', ADMIN);
        expect(
          await rbac.can('u2', 'team:approve', inAcme),
          'director u2 kept team:approve after manager, which granted it, was deleted',
        ).toBe(false);
        expect(
          await rbac.can('u2', 'attendance:view', inAcme),
          'director u2 kept attendance:view through the deleted manager',
        ).toBe(false);
        expect(
          await rbac.can('u2', 'budget:approve', inAcme),
          "deleting manager took director's own budget:approve",
        ).toBe(true);
        expect(
          await rbac.can('u3', 'attendance:view', inAcme),
          'floor-lead lost attendance:view, still granted through night-shift',
        ).toBe(true);
        expect(
          await rbac.can('u3', 'team:approve', inAcme),
          'floor-lead kept team:approve after manager was deleted',
        ).toBe(false);

        await rbac.deleteRole('acme', 'employee', ADMIN);
        expect(
          await rbac.can('u1', 'attendance:view', inAcme),
          'u1 kept attendance:view after employee was deleted',
        ).toBe(false);
        expect(
          await rbac.can('u3', 'attendance:view', inAcme),
          'floor-lead kept attendance:view after employee was deleted',
        ).toBe(false);
        await expectRefusal(
          "assignRole('acme', 'u4', 'employee') after employee was deleted",
          () => rbac.assignRole('acme', 'u4', 'employee', ADMIN),
          ERROR_CODES.unknownRole,
          ['employee'],
        );

        // Same names again: a new role starts from nothing, old links and assignments stay gone.
        await rbac.defineRole('acme', 'employee', ['attendance:view'], ADMIN);
        await rbac.defineRole('acme', 'manager', ['team:approve'], ADMIN);
        expect(
          await rbac.can('u1', 'attendance:view', inAcme),
          'u1 got attendance:view back when a new role named employee was defined: the old assignment survived the delete',
        ).toBe(false);
        expect(
          await rbac.can('u3', 'attendance:view', inAcme),
          "floor-lead got attendance:view back when employee was redefined: night-shift's link to the deleted employee survived",
        ).toBe(false);
        expect(
          await rbac.can('u2', 'team:approve', inAcme),
          'director got team:approve back when manager was redefined: the link to the deleted manager survived',
        ).toBe(false);
      }),
  );

  check(
    {
      id: 'changes-apply-at-once',
      title: "with a cache on, this instance's revoke, redefinition, delete or grant decides the very next check",
      item: 'caching',
      weight: 2,
      redFlag: 'security-vulnerability',
    },
    ({ impl }) =>
      withService(impl, { cacheTtlMs: 60_000 }, async ({ rbac }) => {
        await seedStaffing(rbac);
        const ask = (user: string, permission: string) => rbac.can(user, permission, inAcme);
        expect(await ask('u7', 'salary:view'), 'hr user u7 was refused salary:view').toBe(true);
        await rbac.revokeRole('acme', 'u7', 'hr', ADMIN);
        expect(
          await ask('u7', 'salary:view'),
          'u7 was still granted salary:view right after the revoke of hr resolved (cacheTtlMs 60000, clock not moved)',
        ).toBe(false);

        expect(await ask('u9', 'salary:view'), 'payroll-manager u9 was refused salary:view').toBe(true);
        await rbac.defineRole('acme', 'hr', ['attendance:*'], { ...ADMIN, inherits: ['employee'] });
        expect(
          await ask('u9', 'salary:view'),
          'u9 was still granted salary:view right after hr, which u9 inherits, was redefined without it',
        ).toBe(false);

        expect(await ask('u1', 'attendance:view'), 'employee u1 was refused attendance:view').toBe(true);
        await rbac.deleteRole('acme', 'employee', ADMIN);
        expect(
          await ask('u1', 'attendance:view'),
          'u1 was still granted attendance:view right after employee was deleted',
        ).toBe(false);

        expect(await ask('u5', 'payroll:run'), 'u5 was granted payroll:run before holding any role').toBe(false);
        await rbac.assignRole('acme', 'u5', 'payroll-manager', ADMIN);
        expect(
          await ask('u5', 'payroll:run'),
          'u5 was still refused payroll:run right after payroll-manager was assigned',
        ).toBe(true);
      }),
  );

  check(
    {
      id: 'revoke-race',
      title: '1000 concurrent checks racing a revoke: no check that starts after the revoke resolved grants',
      item: 'race-conditions',
      weight: 3,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 40_000,
    },
    async ({ impl, property }) => {
      // Mostly all 1000 checks; a failure shrinks towards a handful, which is easier to read.
      const checkers = fc.oneof(
        { withCrossShrink: true },
        { arbitrary: fc.integer({ min: 2, max: 12 }), weight: 1 },
        { arbitrary: fc.constant(1000), weight: 7 },
      );
      await property(
        fc.asyncProperty(
          checkers,
          // How the driver picks gates. A shrunk seed means nothing to a reader: only the count shrinks.
          fc.noShrink(
            fc.record({
              seed: fc.integer(),
              // How often the revoke's own gate goes first: a fast revoke overtakes reads on the
              // wire, a slow one lets checks start in the middle of it.
              favour: fc.constantFrom(0.05, 0.9),
              weights: fc.record({
                start: fc.constantFrom(1, 8),
                send: fc.constantFrom(1, 8),
                answer: fc.constantFrom(1, 8),
              }),
            }),
          ),
          async (count, driver) => {
            const testDb = createTestDatabase();
            try {
              const clock = createManualClock();
              await seedStaffing(await impl.createRbac({ db: testDb.db, now: clock.now }));
              const interleaving = new Interleaving(driver.seed, 'revoke', driver.favour, driver.weights);
              const rbac = await impl.createRbac({
                db: interleaving.database(testDb.db),
                now: clock.now,
                cacheTtlMs: 60_000,
              });
              const ask = (index: number, late: boolean) =>
                interleaving.as(`check ${index}`, async () => {
                  await interleaving.turn('start');
                  return { index, late, granted: await rbac.can('u7', 'salary:view', inAcme) };
                });
              const early = Math.ceil(count / 2);
              const earlyChecks = Promise.all(Array.from({ length: early }, (_, index) => ask(index, false)));
              // The revoke begins once some check's read has been answered by the database but the
              // answer is still held back: the moment a stale answer can outlive the revoke.
              const revoke = interleaving.as('revoke', async () => {
                await interleaving.whenAnswerHeld();
                await interleaving.turn('start');
                await rbac.revokeRole('acme', 'u7', 'hr', ADMIN);
              });
              // These start only once the revoke has resolved, while earlier checks may still be in flight.
              const lateChecks = revoke.then(() =>
                Promise.all(Array.from({ length: count - early }, (_, offset) => ask(early + offset, true))),
              );
              const everything = Promise.all([earlyChecks, lateChecks]);
              await interleaving.drive(everything);
              const [, late] = await everything;
              const granted = late.filter((outcome) => outcome.granted);
              expect(
                granted.length,
                `${granted.length} of ${late.length} checks that started after the revoke of hr from u7 resolved still granted salary:view (${count} checks in all, first: check ${granted[0]?.index})`,
              ).toBe(0);
            } finally {
              await testDb.close();
            }
          },
        ),
        { numRuns: 14 },
      );
    },
  );

  check(
    {
      id: 'two-instances',
      title: 'two instances on one database file: a change on one is honoured by the other within cacheTtlMs',
      item: 'load-balancing',
      weight: 3,
      redFlag: 'security-vulnerability',
    },
    async ({ impl }) => {
      const testDb = createTestDatabase();
      const other = openTestDatabase(testDb.file);
      try {
        const clock = createManualClock();
        const ttl = 5_000;
        const a = await impl.createRbac({ db: testDb.db, now: clock.now, cacheTtlMs: ttl });
        const b = await impl.createRbac({ db: other.db, now: clock.now, cacheTtlMs: ttl });
        await seedStaffing(a);
        expect(
          await b.can('u7', 'salary:view', inAcme),
          'instance B refused hr user u7 salary:view set up through instance A',
        ).toBe(true);
        expect(
          await b.can('u5', 'payroll:run', inAcme),
          'instance B granted u5 payroll:run before u5 held any role',
        ).toBe(false);

        await clock.advance(2_000);
        await a.revokeRole('acme', 'u7', 'hr', ADMIN);
        await a.assignRole('acme', 'u5', 'payroll-manager', ADMIN);
        const changedAt = clock.now();
        expect(
          await a.can('u7', 'salary:view', inAcme),
          'instance A itself still granted u7 salary:view after its own revoke',
        ).toBe(false);
        // B keeps being asked inside the window: expiry must count from B's read, not from its last use.
        for (let elapsed = 1_000; elapsed < ttl; elapsed += 1_000) {
          await clock.advance(1_000);
          await b.can('u7', 'salary:view', inAcme);
          await b.can('u5', 'payroll:run', inAcme);
        }
        await clock.advance(changedAt + ttl - clock.now());
        expect(
          await b.can('u7', 'salary:view', inAcme),
          `instance B still granted u7 salary:view ${ttl} ms after instance A's revoke of hr resolved (cacheTtlMs ${ttl})`,
        ).toBe(false);
        expect(
          await b.can('u5', 'payroll:run', inAcme),
          `instance B still refused u5 payroll:run ${ttl} ms after instance A assigned payroll-manager (cacheTtlMs ${ttl})`,
        ).toBe(true);

        await b.defineRole('acme', 'payroll-manager', [], { ...ADMIN, inherits: ['hr'] });
        await clock.advance(ttl);
        expect(
          await a.can('u5', 'payroll:run', inAcme),
          `instance A still granted payroll:run ${ttl} ms after instance B redefined payroll-manager without it`,
        ).toBe(false);
      } finally {
        await other.close();
        await testDb.close();
      }
    },
  );

  check(
    {
      id: 'separate-processes',
      title:
        'instances in separate worker threads share only the database: a revoke on one reaches the other within cacheTtlMs',
      item: 'distributed-systems',
      weight: 2,
      redFlag: 'security-vulnerability',
      timeoutMs: 30_000,
    },
    async ({ impl, targetFile, seed }) => {
      const testDb = createTestDatabase();
      try {
        const setup = await impl.createRbac({ db: testDb.db, now: createManualClock().now });
        await seedStaffing(setup);
        const ttl = 5_000;
        const args: AppInstanceArgs = {
          mode: 'revoke',
          tenant: 'acme',
          cacheTtlMs: ttl,
          turns: new SharedArrayBuffer(8),
        };
        const [reader, writer] = (await runWorkers<AppInstanceResult, AppInstanceArgs>({
          scenarioFile: appInstanceFile,
          targetFile,
          databaseFile: testDb.file,
          workers: 2,
          args,
          seed,
          rendezvousTimeoutMs: 0,
        })) as [RevokeReport, RevokeReport];
        const steps = { ...writer.steps, ...reader.steps };
        const story = JSON.stringify(steps);
        expect(steps['before'], `instance 1 refused hr user u7 salary:view before any change: ${story}`).toBe(true);
        expect(steps['own-after'], `instance 2 still granted u7 salary:view after its own revoke: ${story}`).toBe(
          false,
        );
        expect(
          steps['after'],
          `instance 1 (another thread) still granted u7 salary:view ${ttl} ms after instance 2 revoked hr (cacheTtlMs ${ttl}): ${story}`,
        ).toBe(false);
        expect(
          steps['after-grant'],
          `instance 1 still refused u6 salary:view ${ttl} ms after instance 2 assigned hr: ${story}`,
        ).toBe(true);
      } finally {
        await testDb.close();
      }
    },
  );

  check(
    {
      id: 'concurrent-cycle',
      title:
        'two instances each adding one half of a cycle at once: exactly one succeeds, the other gets RoleCycleError',
      item: 'transactions',
      weight: 2,
      redFlag: 'no-transaction-handling',
      timeoutMs: 30_000,
    },
    async ({ impl, targetFile, seed }) => {
      const testDb = createTestDatabase();
      try {
        const setup = await impl.createRbac({ db: testDb.db, now: createManualClock().now });
        await setup.createTenant('acme', ROOT);
        await setup.defineRole('acme', 'auditor', ['ledger:view'], ADMIN);
        await setup.defineRole('acme', 'accountant', ['ledger:edit'], ADMIN);
        const perWorker = (await runWorkers<AppInstanceResult, AppInstanceArgs>({
          scenarioFile: appInstanceFile,
          targetFile,
          databaseFile: testDb.file,
          workers: 2,
          args: { mode: 'cycle', tenant: 'acme', roles: ['auditor', 'accountant'] },
          seed,
        })) as { status: string; error?: { code?: string; message: string } }[][];
        const outcomes = perWorker.map((settled) => settled[0]!);
        const story = outcomes
          .map(
            (outcome, index) =>
              `instance ${index + 1}: ${outcome.status === 'fulfilled' ? 'applied' : `${outcome.error?.code ?? ''} ${outcome.error?.message}`}`,
          )
          .join('; ');
        const applied = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
        expect(
          applied,
          `auditor -> accountant and accountant -> auditor were defined at once on two instances; ${applied} of 2 were applied, closing a cycle (${story})`,
        ).toBe(1);
        const refused = outcomes.find((outcome) => outcome.status === 'rejected');
        expect(refused?.error?.code, `the refused half should be a RoleCycleError (${story})`).toBe(ERROR_CODES.cycle);
      } finally {
        await testDb.close();
      }
    },
  );

  check(
    {
      id: 'audit-trail',
      title:
        'every change in a tenant is in its audit log, in order, with who and when: rejected changes included, other tenants excluded',
      item: 'security',
      weight: 2,
    },
    ({ impl }) =>
      withService(impl, {}, async ({ rbac, clock }) => {
        const expected: Partial<RbacModule.AuditEntry>[] = [];
        const step = async (entry: Partial<RbacModule.AuditEntry>, call: () => Promise<unknown>) => {
          await clock.advance(1_000);
          expected.push({ ...entry, at: clock.now() });
          await caught(call);
        };
        await step({ action: 'tenant.create', by: 'root', outcome: 'applied' }, () => rbac.createTenant('acme', ROOT));
        await clock.advance(500);
        await rbac.createTenant('globex', ROOT);
        await rbac.defineRole('globex', 'hr', ['salary:view'], GLOBEX_ADMIN);
        await step(
          {
            action: 'role.define',
            by: 'alice',
            role: 'employee',
            permissions: ['attendance:view'],
            inherits: [],
            outcome: 'applied',
          },
          () => rbac.defineRole('acme', 'employee', ['attendance:view'], { by: 'alice', inherits: [] }),
        );
        await step(
          {
            action: 'role.define',
            by: 'alice',
            role: 'hr',
            permissions: ['salary:view', 'attendance:*'],
            inherits: ['employee'],
            outcome: 'applied',
          },
          () => rbac.defineRole('acme', 'hr', ['salary:view', 'attendance:*'], { by: 'alice', inherits: ['employee'] }),
        );
        await step({ action: 'role.assign', by: 'bob', role: 'hr', userId: 'u7', outcome: 'applied' }, () =>
          rbac.assignRole('acme', 'u7', 'hr', { by: 'bob' }),
        );
        await rbac.assignRole('globex', 'u7', 'hr', GLOBEX_ADMIN);
        await step(
          {
            action: 'role.assign',
            by: 'bob',
            role: 'ghost',
            userId: 'u8',
            outcome: 'rejected',
            error: ERROR_CODES.unknownRole,
          },
          () => rbac.assignRole('acme', 'u8', 'ghost', { by: 'bob' }),
        );
        await step(
          {
            action: 'role.define',
            by: 'mallory',
            role: 'employee',
            permissions: [],
            inherits: ['hr'],
            outcome: 'rejected',
            error: ERROR_CODES.cycle,
          },
          () => rbac.defineRole('acme', 'employee', [], { by: 'mallory', inherits: ['hr'] }),
        );
        await step(
          {
            action: 'role.define',
            by: 'mallory',
            role: 'spy',
            permissions: ['salary:view'],
            inherits: ['ghost'],
            outcome: 'rejected',
            error: ERROR_CODES.unknownRole,
          },
          () => rbac.defineRole('acme', 'spy', ['salary:view'], { by: 'mallory', inherits: ['ghost'] }),
        );
        await step({ action: 'role.revoke', by: 'bob', role: 'hr', userId: 'u7', outcome: 'applied' }, () =>
          rbac.revokeRole('acme', 'u7', 'hr', { by: 'bob' }),
        );
        await step(
          {
            action: 'role.revoke',
            by: 'bob',
            role: 'ghost',
            userId: 'u7',
            outcome: 'rejected',
            error: ERROR_CODES.unknownRole,
          },
          () => rbac.revokeRole('acme', 'u7', 'ghost', { by: 'bob' }),
        );
        await step({ action: 'role.delete', by: 'alice', role: 'hr', outcome: 'applied' }, () =>
          rbac.deleteRole('acme', 'hr', { by: 'alice' }),
        );
        await step(
          { action: 'role.delete', by: 'alice', role: 'hr', outcome: 'rejected', error: ERROR_CODES.unknownRole },
          () => rbac.deleteRole('acme', 'hr', { by: 'alice' }),
        );
        await step({ action: 'tenant.create', by: 'eve', outcome: 'rejected', error: ERROR_CODES.tenantExists }, () =>
          rbac.createTenant('acme', { by: 'eve' }),
        );

        const log = await rbac.auditLog('acme');
        const actual = log.map((entry, index) => {
          const wanted = expected[index] ?? {};
          return Object.fromEntries(
            Object.keys(wanted).map((key) => [key, (entry as unknown as Record<string, unknown>)[key]]),
          );
        });
        const summary = log.map((entry) => `${entry.action}/${entry.outcome}`).join(', ');
        expect(
          log.length,
          `auditLog('acme') has ${log.length} entries for ${expected.length} changes attempted in acme: ${summary}`,
        ).toBe(expected.length);
        for (let index = 0; index < expected.length; index++) {
          expect(
            actual[index],
            `audit entry ${index + 1} of acme (${expected[index]!.action}, ${expected[index]!.outcome})`,
          ).toEqual(expected[index]);
        }
        const foreign = log.filter((entry) => entry.tenant !== 'acme');
        expect(foreign.length, `auditLog('acme') includes ${foreign.length} entries of another tenant`).toBe(0);
      }),
  );

  check(
    {
      id: 'clear-errors',
      title: 'unknown tenants and roles, duplicate tenants and bad arguments get clear errors and change nothing',
      item: 'code-error-handling',
      weight: 2,
      redFlag: 'no-error-handling',
    },
    ({ impl }) =>
      withService(impl, {}, async ({ rbac, testDb }) => {
        await seedStaffing(rbac);
        const users = ['u1', 'u7', 'u8', 'u9', 'u4'];
        const permissions = ['attendance:view', 'attendance:edit', 'salary:view', 'payroll:run'];
        const before = await snapshot(rbac, 'acme', users, permissions);
        const logBefore = (await rbac.auditLog('acme')).length;

        const unknownTenant: [string, () => unknown][] = [
          ['can(u7, salary:view, { tenant: initech })', () => rbac.can('u7', 'salary:view', { tenant: 'initech' })],
          [
            'explain(u7, salary:view, { tenant: initech })',
            () => rbac.explain('u7', 'salary:view', { tenant: 'initech' }),
          ],
          ["defineRole('initech', 'hr', ...)", () => rbac.defineRole('initech', 'hr', ['salary:view'], ADMIN)],
          ["assignRole('initech', 'u7', 'hr')", () => rbac.assignRole('initech', 'u7', 'hr', ADMIN)],
          ["revokeRole('initech', 'u7', 'hr')", () => rbac.revokeRole('initech', 'u7', 'hr', ADMIN)],
          ["deleteRole('initech', 'hr')", () => rbac.deleteRole('initech', 'hr', ADMIN)],
          ["auditLog('initech')", () => rbac.auditLog('initech')],
        ];
        for (const [label, call] of unknownTenant)
          await expectRefusal(label, call, ERROR_CODES.unknownTenant, ['initech']);

        await expectRefusal(
          "assignRole('acme', 'u4', 'ceo')",
          () => rbac.assignRole('acme', 'u4', 'ceo', ADMIN),
          ERROR_CODES.unknownRole,
          ['ceo'],
        );
        await expectRefusal(
          "revokeRole('acme', 'u7', 'ceo')",
          () => rbac.revokeRole('acme', 'u7', 'ceo', ADMIN),
          ERROR_CODES.unknownRole,
          ['ceo'],
        );
        await expectRefusal(
          "deleteRole('acme', 'ceo')",
          () => rbac.deleteRole('acme', 'ceo', ADMIN),
          ERROR_CODES.unknownRole,
          ['ceo'],
        );
        await expectRefusal(
          "defineRole('acme', 'board', [], { inherits: ['hr', 'ceo'] })",
          () => rbac.defineRole('acme', 'board', [], { ...ADMIN, inherits: ['hr', 'ceo'] }),
          ERROR_CODES.unknownRole,
          ['ceo'],
        );
        await expectRefusal(
          "createTenant('acme') a second time",
          () => rbac.createTenant('acme', ROOT),
          ERROR_CODES.tenantExists,
          ['acme'],
        );

        const loose = rbac as unknown as Record<string, (...args: unknown[]) => unknown>;
        const badArguments: [string, () => unknown, RegExp][] = [
          ['can(42, salary:view)', () => loose['can']!(42, 'salary:view', inAcme), /42|number/],
          ['can(u7, "salary")', () => loose['can']!('u7', 'salary', inAcme), /salary/],
          ['can(u7, "attendance:*")', () => loose['can']!('u7', 'attendance:*', inAcme), /attendance:\*/],
          ['can(u7, "salary:view:all")', () => loose['can']!('u7', 'salary:view:all', inAcme), /salary:view:all/],
          ['can(u7, salary:view) without a tenant', () => loose['can']!('u7', 'salary:view'), /tenant|undefined/],
          ['can(u7, salary:view, { tenant: "" })', () => loose['can']!('u7', 'salary:view', { tenant: '' }), /tenant/],
          [
            "defineRole('acme', 'x', 'salary:view')",
            () => loose['defineRole']!('acme', 'x', 'salary:view', ADMIN),
            /salary:view|string/,
          ],
          [
            "defineRole('acme', 'x', ['*:view'])",
            () => loose['defineRole']!('acme', 'x', ['*:view'], ADMIN),
            /\*:view/,
          ],
          [
            "defineRole('acme', 'x', ['attendance*'])",
            () => loose['defineRole']!('acme', 'x', ['attendance*'], ADMIN),
            /attendance\*/,
          ],
          ["defineRole('acme', 'x', ['*'])", () => loose['defineRole']!('acme', 'x', ['*'], ADMIN), /\*/],
          ["defineRole('acme', 'x', ['!'])", () => loose['defineRole']!('acme', 'x', ['!'], ADMIN), /!/],
          ["defineRole('acme', 'x', [''])", () => loose['defineRole']!('acme', 'x', [''], ADMIN), /""|empty/],
          [
            "defineRole('acme', 'x', [], { inherits: 'hr' })",
            () => loose['defineRole']!('acme', 'x', [], { ...ADMIN, inherits: 'hr' }),
            /inherits/,
          ],
          [
            "defineRole('acme', '', ['salary:view'])",
            () => loose['defineRole']!('acme', '', ['salary:view'], ADMIN),
            /role/,
          ],
          ["assignRole('acme', 'u4', 'hr') without by", () => loose['assignRole']!('acme', 'u4', 'hr', {}), /by/],
          [
            "assignRole('acme', 'u4', 'hr') without options",
            () => loose['assignRole']!('acme', 'u4', 'hr'),
            /by|options|undefined/,
          ],
          ["assignRole('acme', null, 'hr')", () => loose['assignRole']!('acme', null, 'hr', ADMIN), /null/],
          ["revokeRole('acme', 'u7', 7)", () => loose['revokeRole']!('acme', 'u7', 7, ADMIN), /7|number/],
          ['createRbac({ cacheTtlMs: -1 })', () => impl.createRbac({ db: testDb.db, cacheTtlMs: -1 }), /-1/],
        ];
        for (const [label, call, received] of badArguments) await expectArgumentError(label, call, received);

        expect(await snapshot(rbac, 'acme', users, permissions), 'a refused call changed what users may do').toEqual(
          before,
        );
        const added = (await rbac.auditLog('acme')).slice(logBefore);
        const outcomes = added.map((entry) => `${entry.action}/${entry.outcome}`).join(', ');
        expect(
          added.every((entry) => entry.outcome === 'rejected'),
          `refused calls left applied changes in the audit log: ${outcomes}`,
        ).toBe(true);
        expect(
          added.length,
          `5 changes were refused for a policy reason in acme; the log gained ${added.length}: ${outcomes}`,
        ).toBe(5);
      }),
  );

  check(
    {
      id: 'explain-names-the-role',
      title: 'explain names the role and rule that decided, with the inheritance path, or says why nothing did',
      item: 'api-design',
      weight: 2,
    },
    ({ impl }) =>
      withService(impl, {}, async ({ rbac }) => {
        await seedStaffing(rbac);
        const model = new RbacModel();
        model.createTenant('acme');
        model.defineRole('acme', 'employee', ['attendance:view'], []);
        model.defineRole('acme', 'hr', ['salary:view', 'attendance:*'], ['employee']);
        model.defineRole('acme', 'payroll-manager', ['payroll:run'], ['hr']);
        model.defineRole('acme', 'contractor-hr', ['!salary:view'], ['hr']);
        for (const [user, role] of [
          ['u1', 'employee'],
          ['u7', 'hr'],
          ['u8', 'contractor-hr'],
          ['u9', 'payroll-manager'],
        ] as const) {
          model.assignRole('acme', user, role);
        }
        const expectExplanation = async (user: string, permission: string, expected: RbacModule.Explanation) => {
          const explanation = await rbac.explain(user, permission, inAcme);
          expect(explanation, `explain(${user}, ${permission}, acme)`).toMatchObject(expected as object);
        };
        await expectExplanation('u9', 'payroll:run', {
          granted: true,
          reason: 'allowed',
          role: 'payroll-manager',
          rule: 'payroll:run',
          path: ['payroll-manager'],
        });
        await expectExplanation('u9', 'salary:view', {
          granted: true,
          reason: 'allowed',
          role: 'hr',
          rule: 'salary:view',
          path: ['payroll-manager', 'hr'],
        });
        await expectExplanation('u1', 'attendance:view', {
          granted: true,
          reason: 'allowed',
          role: 'employee',
          rule: 'attendance:view',
          path: ['employee'],
        });
        await expectExplanation('u8', 'salary:view', {
          granted: false,
          reason: 'denied',
          role: 'contractor-hr',
          rule: '!salary:view',
          path: ['contractor-hr'],
        });
        await expectExplanation('u7', 'fleet:drive', { granted: false, reason: 'no-matching-rule' });
        await expectExplanation('nobody', 'salary:view', { granted: false, reason: 'no-roles' });
        await rbac.defineRole('acme', 'timekeeper', ['!attendance:edit'], { ...ADMIN, inherits: ['employee'] });
        await rbac.defineRole('acme', 'hr-timekeeper', [], { ...ADMIN, inherits: ['hr', 'timekeeper'] });
        await rbac.assignRole('acme', 'u6', 'hr-timekeeper', ADMIN);
        model.defineRole('acme', 'timekeeper', ['!attendance:edit'], ['employee']);
        model.defineRole('acme', 'hr-timekeeper', [], ['hr', 'timekeeper']);
        model.assignRole('acme', 'u6', 'hr-timekeeper');
        for (const user of ['u1', 'u6', 'u7', 'u8', 'u9']) {
          for (const permission of ['attendance:view', 'attendance:edit', 'salary:view', 'payroll:run']) {
            const problem = explanationProblem(
              model,
              'acme',
              user,
              permission,
              await rbac.explain(user, permission, inAcme),
            );
            expect(problem, problem).toBeUndefined();
            expect(await rbac.can(user, permission, inAcme), `can(${user}, ${permission}) disagrees with explain`).toBe(
              model.can(user, permission, 'acme'),
            );
          }
        }
      }),
  );

  check(
    {
      id: 'matches-model',
      title:
        'property: over generated role graphs, assignments, deletes and checks in two tenants, answers match a simple model',
      item: 'security',
      weight: 3,
      redFlag: 'security-vulnerability',
      timeoutMs: 60_000,
    },
    async ({ impl, property }) => {
      await property(
        fc.asyncProperty(
          initialPolicyArbitrary,
          fc.array(operationArbitrary, { minLength: 1, maxLength: 30 }),
          fc.constantFrom(0, 60_000),
          async (initial, operations, cacheTtlMs) => {
            const testDb = createTestDatabase();
            try {
              const rbac = await impl.createRbac({ db: testDb.db, now: createManualClock().now, cacheTtlMs });
              const model = new RbacModel();
              for (const tenant of TENANTS) {
                model.createTenant(tenant);
                await rbac.createTenant(tenant, ROOT);
              }
              const history: string[] = [];
              const compare = async (operation: Operation): Promise<void> => {
                if (operation.kind === 'check') {
                  const { userId, permission, tenant } = operation;
                  const expected = model.can(userId, permission, tenant);
                  const answer = await rbac.can(userId, permission, { tenant }).then(
                    (granted) => granted,
                    (error: unknown) => codeOf(error) ?? shown(error),
                  );
                  expect(
                    answer,
                    `${describeOperation(operation)} answered ${String(answer)}, the model says ${String(expected)}: ${model.describeUser(tenant, userId)} (last changes: ${history.slice(-6).join('; ')})`,
                  ).toBe(expected);
                  if (typeof expected === 'boolean') {
                    const problem = explanationProblem(
                      model,
                      tenant,
                      userId,
                      permission,
                      await rbac.explain(userId, permission, { tenant }),
                    );
                    expect(problem, problem).toBeUndefined();
                  }
                  return;
                }
                const expectedCodes = applyToModel(model, operation);
                const error = await caught(() => applyToService(rbac, operation));
                history.push(
                  describeOperation(operation) + (error === undefined ? '' : ` -> ${String(codeOf(error))}`),
                );
                if (expectedCodes.length === 0) {
                  expect(
                    error,
                    `${describeOperation(operation)} should be applied, but ${shown(error)}`,
                  ).toBeUndefined();
                } else {
                  // Stop at once: an accepted cycle must not be walked.
                  expect(
                    expectedCodes,
                    `${describeOperation(operation)} should be refused with ${expectedCodes.join(' or ')}, but ${shown(error)} (last changes: ${history.slice(-7, -1).join('; ')})`,
                  ).toContain(codeOf(error));
                }
              };
              for (const operation of [...initial, ...operations]) await compare(operation);
              for (const tenant of TENANTS) {
                for (const userId of USERS) {
                  for (const permission of PERMISSIONS) await compare({ kind: 'check', tenant, userId, permission });
                }
              }
            } finally {
              await testDb.close();
            }
          },
        ),
        { numRuns: 60 },
      );
    },
  );

  check(
    {
      id: 'indexed-lookups',
      title: 'can() and explain() search indexes: no full scan of a table holding hundreds of rows',
      item: 'database-optimization',
      redFlag: 'poor-database-design',
      timeoutMs: 20_000,
    },
    ({ impl }) =>
      withService(impl, {}, async ({ rbac, testDb }) => {
        await seedStaffing(rbac);
        const roles = Array.from({ length: 40 }, (_, index) => `team-${index}`);
        for (const [index, role] of roles.entries()) {
          await rbac.defineRole('acme', role, [`team-${index}:view`, `team-${index}:edit`], {
            ...ADMIN,
            inherits: index % 2 ? ['employee'] : [],
          });
          await rbac.defineRole('globex', role, [`team-${index}:view`], GLOBEX_ADMIN);
        }
        for (let user = 0; user < 300; user++) {
          await rbac.assignRole('acme', `user-${user}`, roles[user % roles.length]!, ADMIN);
          await rbac.assignRole('globex', `user-${user}`, roles[(user * 7) % roles.length]!, GLOBEX_ADMIN);
        }
        const recorder = testDb.record();
        for (let user = 0; user < 300; user += 15) {
          await rbac.can(`user-${user}`, `team-${user % 40}:edit`, inAcme);
          await rbac.explain(`user-${user}`, 'attendance:view', inGlobex);
        }
        recorder.stop();
        const scans = await testDb.fullScans(recorder.statements, { minRows: 100 });
        const first = scans[0];
        expect(
          scans.length,
          first === undefined
            ? ''
            : `can()/explain() read all ${first.rows} rows of ${first.table} (${first.detail}) in: ${first.sql.replace(/\s+/g, ' ').slice(0, 160)}`,
        ).toBe(0);
      }),
  );
});

function applyToModel(model: RbacModel, operation: Exclude<Operation, { kind: 'check' }>): ErrorCode[] {
  switch (operation.kind) {
    case 'define':
      return model.defineRole(operation.tenant, operation.role, operation.rules, operation.inherits);
    case 'delete':
      return model.deleteRole(operation.tenant, operation.role);
    case 'assign':
      return model.assignRole(operation.tenant, operation.userId, operation.role);
    case 'revoke':
      return model.revokeRole(operation.tenant, operation.userId, operation.role);
  }
}

function applyToService(rbac: Rbac, operation: Exclude<Operation, { kind: 'check' }>): Promise<void> {
  const by = { by: 'generator' };
  switch (operation.kind) {
    case 'define':
      return rbac.defineRole(operation.tenant, operation.role, operation.rules, {
        ...by,
        inherits: operation.inherits,
      });
    case 'delete':
      return rbac.deleteRole(operation.tenant, operation.role, by);
    case 'assign':
      return rbac.assignRole(operation.tenant, operation.userId, operation.role, by);
    case 'revoke':
      return rbac.revokeRole(operation.tenant, operation.userId, operation.role, by);
  }
}
