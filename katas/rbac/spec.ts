/**
 * The rbac spec. Each check names the README rules it proves (kata.json `rules`). The model
 * (model.ts), the judge that compares outcomes with it in full (judge.ts), the generated
 * vocabularies (vocabulary.ts) and the runners (model-run.ts, history-run.ts) live beside this
 * file. The checks below are the named scenarios a candidate can read, then the properties that
 * drive the whole API against the model, alone, over two instances, with faults and concurrently.
 */
import fc from 'fast-check';
import { setTimeout as realSetTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import {
  createHistory,
  createManualClock,
  defineSpec,
  settle,
  show,
  checkLinearizable,
  valueDifference,
  type ManualClock,
  type Outcome,
} from '../../harness/kit/index.ts';
import { createTestDatabase, openTestDatabase, type TestDatabase } from '../../harness/kit/db/index.ts';
import { createSharedClock, runWorkers } from '../../harness/kit/workers/index.ts';
import type { AppInstanceArgs, AppInstanceResult, RecordedCall, RevokeReport } from './app-instance.ts';
import { batchPlanArbitrary, historyModel, runBatch, workerPlanArbitrary, type HistoryInput } from './history-run.ts';
import { Interleaving } from './interleaving.ts';
import { pausable } from './pausing.ts';
import { withShrinkBudget } from './shrink-budget.ts';
import { describeEntries, errorProblem, outcomeProblem, type ErrorClasses } from './judge.ts';
import { ERROR_CODES, RbacModel, type Call, type Failure } from './model.ts';
import { describeCall, invoke, runArbitrary, runModel } from './model-run.ts';
import { badCacheTtlArbitrary, partArbitrary } from './vocabulary.ts';
import type * as RbacModule from './index.ts';

type Impl = typeof RbacModule;
type Rbac = RbacModule.Rbac;

const appInstanceFile = fileURLToPath(new URL('./app-instance.ts', import.meta.url));

/** Most cases a failing model property runs while shrinking (see shrink-budget.ts). */
const SHRINK_BUDGET = 40;

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
  const testDb = createTestDatabase({ synchronous: 'off' });
  try {
    const clock = createManualClock();
    const rbac = await impl.createRbac({ db: testDb.db, now: clock.now, cacheTtlMs: options.cacheTtlMs ?? 0 });
    return await body({ rbac, clock, testDb });
  } finally {
    await testDb.close();
  }
}

/**
 * The service beside the model: every call goes to both and must match in full (errors by class,
 * code, fields and message). Named scenarios use it so their setup is checked as strictly as the
 * properties, and add plain assertions for what they are about.
 */
function mirrored(impl: Impl, rbac: Rbac, clock: ManualClock, model = new RbacModel()) {
  const classes = impl as unknown as ErrorClasses;
  return {
    model,
    async call(method: Call['method'], ...args: unknown[]): Promise<Outcome<unknown>> {
      const call: Call = { method, args };
      const expected = model.apply(call, clock.now());
      const actual = await settle(() => invoke(rbac, call));
      const problem = outcomeProblem(actual, expected, { classes });
      expect(problem, `${describeCall(0, call).slice(2)} ${problem}`).toBeUndefined();
      return actual;
    },
  };
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

/** The same calls, made on the model only: its state after seedStaffing. */
function staffingModel(at: number): RbacModel {
  const model = new RbacModel();
  const calls: Call[] = [
    { method: 'createTenant', args: ['acme', ROOT] },
    { method: 'createTenant', args: ['globex', ROOT] },
    { method: 'defineRole', args: ['acme', 'employee', ['attendance:view'], ADMIN] },
    {
      method: 'defineRole',
      args: ['acme', 'hr', ['salary:view', 'attendance:*'], { ...ADMIN, inherits: ['employee'] }],
    },
    { method: 'defineRole', args: ['acme', 'payroll-manager', ['payroll:run'], { ...ADMIN, inherits: ['hr'] }] },
    { method: 'defineRole', args: ['acme', 'contractor-hr', ['!salary:view'], { ...ADMIN, inherits: ['hr'] }] },
    { method: 'defineRole', args: ['globex', 'employee', ['attendance:view'], GLOBEX_ADMIN] },
    { method: 'defineRole', args: ['globex', 'hr', ['attendance:edit'], { ...GLOBEX_ADMIN, inherits: ['employee'] }] },
    { method: 'assignRole', args: ['acme', 'u1', 'employee', ADMIN] },
    { method: 'assignRole', args: ['acme', 'u7', 'hr', ADMIN] },
    { method: 'assignRole', args: ['acme', 'u8', 'contractor-hr', ADMIN] },
    { method: 'assignRole', args: ['acme', 'u9', 'payroll-manager', ADMIN] },
    { method: 'assignRole', args: ['globex', 'u2', 'hr', GLOBEX_ADMIN] },
  ];
  for (const call of calls) model.apply(call, at);
  return model;
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

/** Asks every (user, permission) pair and lists the answers, so "nothing changed" can be compared. */
async function snapshot(rbac: Rbac, tenant: string, users: string[], permissions: string[]): Promise<string[]> {
  const answers: string[] = [];
  for (const user of users) {
    for (const permission of permissions)
      answers.push(`${user} ${permission} ${await rbac.can(user, permission, { tenant })}`);
  }
  return answers;
}

/** Fails unless `call` rejects the way `failure` says, judged in full. */
async function expectFailure(impl: Impl, label: string, call: () => unknown, failure: Failure): Promise<void> {
  const outcome = await settle(call);
  const problem = outcome.ok
    ? `resolved ${show(outcome.value)}`
    : errorProblem(outcome.error, failure, impl as unknown as ErrorClasses);
  expect(problem, `${label} ${problem}`).toBeUndefined();
}

export default defineSpec<Impl>('rbac', ({ check }) => {
  // Named scenarios.

  check(
    {
      id: 'deny-by-default',
      title: 'a permission no rule grants is refused: no roles, unknown permissions, empty roles',
      item: 'security',
      weight: 2,
      redFlag: 'security-vulnerability',
      rules: ['deny-by-default', 'allow-grants', 'no-roles-not-error'],
    },
    ({ impl }) =>
      withService(impl, {}, async ({ rbac }) => {
        await seedStaffing(rbac);
        await rbac.defineRole('acme', 'a-visitor', [], ADMIN);
        await rbac.defineRole('acme', 'ledger-auditor', ['ledger:view'], ADMIN);
        await rbac.assignRole('acme', 'u3', 'a-visitor', ADMIN);
        await rbac.assignRole('acme', 'u4', 'a-visitor', ADMIN);
        await rbac.assignRole('acme', 'u4', 'ledger-auditor', ADMIN);
        const refused: [string, string][] = [
          ['nobody', 'attendance:view'],
          ['u1', 'salary:view'],
          ['u1', 'attendance:edit'],
          ['u7', 'payroll:run'],
          ['u7', 'fleet:drive'],
          ['u3', 'attendance:view'],
          ['u4', 'ledger:edit'],
        ];
        for (const [user, permission] of refused) {
          const answer = await settle(() => rbac.can(user, permission, inAcme));
          expect(
            answer.ok ? answer.value : shown(answer.error),
            `user ${user} of tenant acme was not refused ${permission}, which no rule grants`,
          ).toBe(false);
        }
        expect(await rbac.can('u1', 'attendance:view', inAcme), 'employee u1 was refused attendance:view').toBe(true);
        expect(
          await rbac.can('u4', 'ledger:view', inAcme),
          'u4 holds a-visitor and ledger-auditor; ledger-auditor allows ledger:view, yet it was refused',
        ).toBe(true);
        expect(
          await rbac.explain('nobody', 'salary:view', inAcme),
          'a user with no roles is not an error: explain says no-roles',
        ).toEqual({ granted: false, reason: 'no-roles' });
      }),
  );

  check(
    {
      id: 'deny-overrides-allow',
      title: 'an explicit deny beats any allow, whatever the order of roles, rules and inheritance, at any depth',
      item: 'security',
      weight: 2,
      redFlag: 'security-vulnerability',
      rules: ['deny-overrides'],
    },
    ({ impl }) =>
      withService(impl, {}, async ({ rbac }) => {
        await seedStaffing(rbac);
        await rbac.defineRole('acme', 'suspended', ['!salary:*'], ADMIN);
        await rbac.defineRole('acme', 'allow-then-deny', ['salary:view', '!salary:view'], ADMIN);
        await rbac.defineRole('acme', 'deny-then-allow', ['!salary:view', 'salary:view'], ADMIN);
        await rbac.defineRole('acme', 'no-salary', ['!salary:view'], ADMIN);
        await rbac.defineRole('acme', 'lead', ['salary:view'], { ...ADMIN, inherits: ['no-salary'] });
        await rbac.defineRole('acme', 'wildcard-allow', ['salary:*'], { ...ADMIN, inherits: ['no-salary'] });
        // A deny 40 links above the allow.
        await rbac.defineRole('acme', 'far-0', ['!salary:view'], ADMIN);
        for (let level = 1; level < 40; level++) {
          await rbac.defineRole('acme', `far-${level}`, [], { ...ADMIN, inherits: [`far-${level - 1}`] });
        }
        await rbac.defineRole('acme', 'far-allow', ['salary:view'], { ...ADMIN, inherits: ['far-39'] });
        await rbac.assignRole('acme', 'a1', 'hr', ADMIN);
        await rbac.assignRole('acme', 'a1', 'suspended', ADMIN);
        await rbac.assignRole('acme', 'a2', 'suspended', ADMIN);
        await rbac.assignRole('acme', 'a2', 'hr', ADMIN);
        await rbac.assignRole('acme', 'a3', 'allow-then-deny', ADMIN);
        await rbac.assignRole('acme', 'a4', 'deny-then-allow', ADMIN);
        await rbac.assignRole('acme', 'a5', 'lead', ADMIN);
        await rbac.assignRole('acme', 'a6', 'far-allow', ADMIN);
        await rbac.assignRole('acme', 'a7', 'wildcard-allow', ADMIN);
        const cases: [string, string][] = [
          ['a1', 'hr, then suspended (!salary:*)'],
          ['a2', 'suspended (!salary:*), then hr'],
          ['a3', 'one role with salary:view, then !salary:view'],
          ['a4', 'one role with !salary:view, then salary:view'],
          ['a5', 'lead (salary:view) inheriting no-salary (!salary:view)'],
          ['a6', 'far-allow (salary:view) with !salary:view 40 inheritance links up'],
          ['a7', 'salary:* inheriting !salary:view'],
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
        expect(await rbac.can('a7', 'salary:edit', inAcme), 'a deny of salary:view also took salary:edit from a7').toBe(
          true,
        );
      }),
  );

  check(
    {
      id: 'tenant-isolation',
      title: 'roles, assignments, changes, logs and cached answers in one tenant grant nothing in another',
      item: 'security',
      weight: 3,
      redFlag: 'security-vulnerability',
      rules: ['tenant-isolation', 'audit-own-tenant'],
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
        await expectFailure(
          impl,
          "assignRole('globex', 'u9', 'payroll-admin'), a role only acme has,",
          () => rbac.assignRole('globex', 'u9', 'payroll-admin', GLOBEX_ADMIN),
          { kind: 'unknown-role', tenant: 'globex', roles: ['payroll-admin'] },
        );
        await expectFailure(
          impl,
          "defineRole('globex', 'auditor', [], { inherits: ['payroll-admin'] }), a role only acme has,",
          () => rbac.defineRole('globex', 'auditor', [], { ...GLOBEX_ADMIN, inherits: ['payroll-admin'] }),
          { kind: 'unknown-role', tenant: 'globex', roles: ['payroll-admin'] },
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
        const acmeLog = await rbac.auditLog('acme');
        const foreign = acmeLog.filter((entry) => entry.tenant !== 'acme' || entry.by === GLOBEX_ADMIN.by);
        expect(foreign, `auditLog('acme') shows ${foreign.length} entries of tenant globex`).toEqual([]);
      }),
  );

  check(
    {
      id: 'identifiers-exact',
      title:
        'ids of every shape (spaces, punctuation, scripts, emoji, combining marks) work and come back as given; case and normalisation variants are different ids',
      item: 'security',
      weight: 2,
      redFlag: 'security-vulnerability',
      rules: ['ids-any-string', 'ids-exact'],
    },
    ({ impl }) =>
      withService(impl, { cacheTtlMs: 60_000 }, async ({ rbac, clock }) => {
        const service = mirrored(impl, rbac, clock);
        const composed = 'caf\u00e9';
        const decomposed = 'cafe\u0301';
        for (const tenant of ['acme', 'Acme', 'acme ', composed, decomposed])
          await service.call('createTenant', tenant, ROOT);
        await service.call('defineRole', 'acme', 'hr', ['salary:view'], ADMIN);
        await service.call('defineRole', 'acme', 'HR', ['attendance:view'], ADMIN);
        await service.call('defineRole', 'acme', 'hr ', ['payroll:run'], ADMIN);
        await service.call('defineRole', 'acme', composed, ['menu:edit'], ADMIN);
        await service.call('defineRole', 'acme', decomposed, ['menu:view'], ADMIN);
        // A role may be named like a permission; that name is still only a name.
        await service.call('defineRole', 'acme', 'salary:view', ['vault:open'], ADMIN);
        await service.call('assignRole', 'acme', 'u7', 'hr', ADMIN);
        await service.call('assignRole', 'acme', 'U7', 'HR', ADMIN);
        await service.call('assignRole', 'acme', 'zo\u00eb', composed, ADMIN);
        await service.call('assignRole', 'acme', 'zoe\u0308', decomposed, ADMIN);
        await service.call('defineRole', 'Acme', 'hr', ['ledger:view'], ADMIN);
        await service.call('assignRole', 'Acme', 'u7', 'hr', ADMIN);
        const cases: [string, string, string, boolean, string][] = [
          ['u7', 'salary:view', 'acme', true, 'u7 holds hr in acme'],
          ['u7', 'vault:open', 'acme', false, 'hr grants the permission salary:view, not the role named "salary:view"'],
          ['u7', 'attendance:view', 'acme', false, 'attendance:view belongs to HR, not hr, and U7 holds it, not u7'],
          ['U7', 'attendance:view', 'acme', true, 'U7 holds HR in acme'],
          ['U7', 'salary:view', 'acme', false, 'U7 holds HR, not hr'],
          ['u7 ', 'salary:view', 'acme', false, '"u7 " (with a space) is not u7'],
          ['u7', 'payroll:run', 'acme', false, '"hr " (with a space) is not hr'],
          ['u7', 'ledger:view', 'acme', false, 'ledger:view is granted in Acme, not acme'],
          ['u7', 'ledger:view', 'Acme', true, 'u7 holds hr in Acme'],
          ['u7', 'salary:view', 'Acme', false, "Acme's hr is not acme's hr"],
          ['u7', 'salary:view', 'acme ', false, 'tenant "acme " (with a space) is not acme'],
          ['zo\u00eb', 'menu:edit', 'acme', true, 'zoë (composed) holds café (composed)'],
          ['zo\u00eb', 'menu:view', 'acme', false, 'café decomposed is another role, held by zoë decomposed'],
          ['zoe\u0308', 'menu:view', 'acme', true, 'zoë (decomposed) holds café (decomposed)'],
          ['zoe\u0308', 'menu:edit', 'acme', false, 'zoë decomposed is another user than zoë composed'],
        ];
        for (const [user, permission, tenant, granted, why] of cases) {
          expect(
            await rbac.can(user, permission, { tenant }),
            `can(${show(user)}, ${permission}, { tenant: ${show(tenant)} }) should be ${granted}: ${why}`,
          ).toBe(granted);
        }
        await expectFailure(
          impl,
          "can('u7', 'salary:view', { tenant: 'ACME' })",
          () => rbac.can('u7', 'salary:view', { tenant: 'ACME' }),
          {
            kind: 'unknown-tenant',
            tenant: 'ACME',
          },
        );
        await service.call('revokeRole', 'acme', 'U7', 'HR', ADMIN);
        await service.call('deleteRole', 'acme', 'hr ', ADMIN);
        expect(
          await rbac.can('u7', 'salary:view', inAcme),
          "revoking HR from U7, or deleting 'hr ', took hr from u7",
        ).toBe(true);

        // Any string is an id, and comes back exactly as given.
        const tenant = '👩‍💼 team/β:*!';
        const role = ' :*! ';
        const user = '\t日本 ';
        const by = 'ß@x y';
        await service.call('createTenant', tenant, { by });
        await service.call('defineRole', tenant, role, ['salary:view'], { by });
        await service.call('defineRole', tenant, 'e\u0301\u0301-\u00a0', ['!salary:view'], { by, inherits: [role] });
        await service.call('assignRole', tenant, user, role, { by });
        await service.call('assignRole', tenant, 'nobody', 'e\u0301\u0301-\u00a0', { by });
        expect(
          await rbac.explain(user, 'salary:view', { tenant }),
          `explain for user ${show(user)} in tenant ${show(tenant)}`,
        ).toEqual({
          granted: true,
          reason: 'allowed',
          role,
          rule: 'salary:view',
          path: [role],
        });
        await service.call('explain', 'nobody', 'salary:view', { tenant });
        await service.call('auditLog', tenant);
        await service.call('auditLog', 'acme');
      }),
  );

  check(
    {
      id: 'permission-grammar',
      title:
        'property: every character the grammar allows works in rules and permissions, matching is exact, and samples it forbids are rejected',
      item: 'security',
      weight: 2,
      redFlag: 'security-vulnerability',
      rules: ['permission-grammar', 'rule-grammar', 'permission-exact', 'concrete-permission-only'],
    },
    async ({ impl, property }) => {
      // Every character of the grammar in one rule, and exact matching of generated ones.
      await property(
        fc.asyncProperty(
          partArbitrary,
          partArbitrary,
          partArbitrary,
          partArbitrary,
          async (resource, action, other, denied) => {
            const testDb = createTestDatabase();
            try {
              const clock = createManualClock();
              const rbac = await impl.createRbac({ db: testDb.db, now: clock.now });
              const service = mirrored(impl, rbac, clock);
              await service.call('createTenant', 'acme', ROOT);
              const everything = 'azAZ09_.-';
              await service.call(
                'defineRole',
                'acme',
                'r',
                [`${resource}:${action}`, `${other}:*`, `!${denied}:${action}`, `${everything}:${everything}`],
                ADMIN,
              );
              await service.call('assignRole', 'acme', 'u', 'r', ADMIN);
              const near = (part: string) => [
                part.toUpperCase(),
                part.toLowerCase(),
                `${part}x`,
                part.slice(1),
                `v1.${part}`,
              ];
              const asked = [
                `${resource}:${action}`,
                `${other}:${action}`,
                `${other}:${resource}`,
                `${denied}:${action}`,
                `${everything}:${everything}`,
                ...near(resource)
                  .filter((part) => part !== '')
                  .map((part) => `${part}:${action}`),
                ...near(action)
                  .filter((part) => part !== '')
                  .map((part) => `${resource}:${part}`),
                ...near(other)
                  .filter((part) => part !== '')
                  .map((part) => `${part}:${action}`),
              ];
              for (const permission of asked) await service.call('explain', 'u', permission, inAcme);
            } finally {
              await testDb.close();
            }
          },
        ),
        { numRuns: 6 },
      );

      await withService(impl, {}, async ({ rbac, clock }) => {
        const service = mirrored(impl, rbac, clock);
        await service.call('createTenant', 'acme', ROOT);
        await service.call('defineRole', 'acme', 'viewer', ['salary:view', 'v1.att-x_y:*'], ADMIN);
        await service.call('assignRole', 'acme', 'u', 'viewer', ADMIN);
        const forbiddenRules = [
          '*',
          '!',
          '*:view',
          '*:*',
          'salary*',
          'salary:v*',
          'salary:*x',
          '!!salary:view',
          'salary:!view',
          'salary',
          'salary:',
          ':view',
          'salary:view:all',
          'sal ary:view',
          'é:view',
          'salary:vïew',
          '!*:view',
          '',
        ];
        for (const rule of forbiddenRules) await service.call('defineRole', 'acme', 'bad', [rule], ADMIN);
        const forbiddenPermissions = [
          'salary:*',
          '!salary:view',
          'salary',
          'salary:',
          ':view',
          'a:b:c',
          'salary view',
          'é:view',
          'salary:view ',
          'salary:v*',
          '',
        ];
        for (const permission of forbiddenPermissions) {
          await service.call('can', 'u', permission, inAcme);
          await service.call('explain', 'u', permission, inAcme);
        }
        const exact: [string, boolean][] = [
          ['salary:view', true],
          ['Salary:view', false],
          ['salary:View', false],
          ['salary:views', false],
          ['salary.view:view', false],
          ['v1.att-x_y:anything', true],
          ['V1.att-x_y:anything', false],
          ['v1.att-x_yz:anything', false],
        ];
        for (const [permission, granted] of exact) {
          expect(
            await rbac.can('u', permission, inAcme),
            `holder of salary:view and v1.att-x_y:* asked about ${permission}`,
          ).toBe(granted);
        }
        await service.call('auditLog', 'acme');
      });
    },
  );

  check(
    {
      id: 'wildcard-boundaries',
      title:
        "'attendance:*' covers every action on attendance and nothing else: no prefixes, no regex, no case folding",
      item: 'security',
      weight: 2,
      redFlag: 'security-vulnerability',
      rules: ['wildcard-whole-action', 'permission-exact'],
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
          ['lead', 'Attendance:view', false, "'attendance:*'"],
          ['lead', 'attendanc:view', false, "'attendance:*'"],
          ['client', 'v1.payroll:run', true, "'v1.payroll:*'"],
          ['client', 'v1-payroll:run', false, "'v1.payroll:*'"],
          ['client', 'v1xpayroll:run', false, "'v1.payroll:*'"],
          ['client', 'v1.payroll.x:run', false, "'v1.payroll:*'"],
          ['viewer', 'salary:view-all', false, "'salary:view'"],
          ['viewer', 'salary:views', false, "'salary:view'"],
          ['viewer', 'salary:View', false, "'salary:view'"],
          ['viewer', 'SALARY:view', false, "'salary:view'"],
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
      title: 'inheritance is transitive at any depth (150 links, far past casbin’s 10) and runs one way only',
      item: 'api-design',
      weight: 2,
      rules: ['inheritance-transitive', 'inheritance-one-way'],
    },
    ({ impl }) =>
      withService(impl, {}, async ({ rbac }) => {
        await rbac.createTenant('acme', ROOT);
        const depth = 150;
        await rbac.defineRole('acme', `level-${depth - 1}`, ['payroll:run'], ADMIN);
        for (let level = depth - 2; level >= 0; level--) {
          await rbac.defineRole('acme', `level-${level}`, [`level-${level}:perk`], {
            ...ADMIN,
            inherits: [`level-${level + 1}`],
          });
        }
        for (const level of [0, 1, 2, 9, 10, 11, 12, 60, 100, depth - 1]) {
          await rbac.assignRole('acme', `holder-${level}`, `level-${level}`, ADMIN);
          const links = depth - 1 - level;
          expect(
            await rbac.can(`holder-${level}`, 'payroll:run', inAcme),
            `holder of level-${level} was refused payroll:run, granted by level-${depth - 1}, ${links} inheritance links away`,
          ).toBe(true);
        }
        const explanation = await rbac.explain('holder-0', 'payroll:run', inAcme);
        expect(
          (explanation as { path?: unknown[] }).path?.length,
          `explain for holder-0 should give the path of all ${depth} roles down to level-${depth - 1}`,
        ).toBe(depth);
        expect(
          await rbac.can('holder-12', 'level-13:perk', inAcme),
          'holder of level-12 was refused level-13:perk, one link away',
        ).toBe(true);
        expect(
          await rbac.can('holder-12', 'level-11:perk', inAcme),
          'holder of level-12 was granted level-11:perk: inheritance ran backwards, from level-11 which inherits level-12',
        ).toBe(false);
        expect(
          await rbac.can(`holder-${depth - 1}`, 'level-0:perk', inAcme),
          `holder of level-${depth - 1} was granted level-0:perk: inheritance ran backwards`,
        ).toBe(false);
      }),
  );

  check(
    {
      id: 'diamond-inheritance',
      title: 'a role reached along two paths (a diamond) is accepted and grants once, through either path',
      item: 'api-design',
      rules: ['diamond-accepted'],
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
        const direct = await caught(() =>
          rbac.defineRole('acme', 'wide', [], { ...ADMIN, inherits: ['left', 'base'] }),
        );
        expect(
          direct,
          `wide inheriting left and base, which left inherits too, is not a cycle, but ${shown(direct)}`,
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
        'a definition that would make a role inherit itself (directly, new or existing, or 40 links round) is refused with RoleCycleError and its cycle, and changes nothing',
      item: 'code-error-handling',
      weight: 2,
      redFlag: 'no-error-handling',
      rules: ['cycle-rejected', 'cycle-error-detail', 'inherits-exist'],
    },
    ({ impl }) =>
      withService(impl, {}, async ({ rbac, clock }) => {
        const service = mirrored(impl, rbac, clock);
        await service.call('createTenant', 'acme', ROOT);
        await service.call('defineRole', 'acme', 'clerk', ['attendance:view'], ADMIN);
        await service.call('defineRole', 'acme', 'supervisor', ['attendance:edit'], { ...ADMIN, inherits: ['clerk'] });
        await service.call('defineRole', 'acme', 'director', ['salary:view'], { ...ADMIN, inherits: ['supervisor'] });
        await service.call('assignRole', 'acme', 'u1', 'clerk', ADMIN);
        await service.call('assignRole', 'acme', 'u2', 'director', ADMIN);
        const users = ['u1', 'u2'];
        const permissions = ['attendance:view', 'attendance:edit', 'salary:view', 'payroll:run'];
        const before = await snapshot(rbac, 'acme', users, permissions);

        // Each is refused with RoleCycleError whose cycle follows real links; the mirror checks it.
        await service.call('defineRole', 'acme', 'clerk', ['payroll:run'], { ...ADMIN, inherits: ['director'] });
        await service.call('defineRole', 'acme', 'supervisor', [], { ...ADMIN, inherits: ['supervisor'] });
        await service.call('defineRole', 'acme', 'attendance-lead', ['attendance:*'], ADMIN);
        await service.call('defineRole', 'acme', 'clerk', [], { ...ADMIN, inherits: ['attendance-lead', 'director'] });
        // A new role naming itself: a cycle, though the role does not exist yet.
        await service.call('defineRole', 'acme', 'newcomer', ['payroll:run'], { ...ADMIN, inherits: ['newcomer'] });
        await service.call('assignRole', 'acme', 'u3', 'newcomer', ADMIN);
        // Unknown roles are reported before cycles.
        await service.call('defineRole', 'acme', 'newcomer', [], { ...ADMIN, inherits: ['newcomer', 'ghost'] });
        await service.call('defineRole', 'acme', 'clerk', [], { ...ADMIN, inherits: ['director', 'ghost'] });
        // A cycle 40 links round.
        await service.call('defineRole', 'acme', 'ring-39', ['ring:top'], ADMIN);
        for (let index = 38; index >= 0; index--) {
          await service.call('defineRole', 'acme', `ring-${index}`, [], { ...ADMIN, inherits: [`ring-${index + 1}`] });
        }
        await service.call('assignRole', 'acme', 'u4', 'ring-0', ADMIN);
        const ringed = await service.call('defineRole', 'acme', 'ring-39', [], { ...ADMIN, inherits: ['ring-0'] });
        expect(
          ringed.ok ? undefined : (ringed.error as { cycle?: unknown[] }).cycle?.length,
          'ring-39 inheriting ring-0 closes the ring of 40 roles: the cycle lists 41 entries, ring-39 at both ends',
        ).toBe(41);
        expect(
          await snapshot(rbac, 'acme', users, permissions),
          'a refused definition changed what users may do',
        ).toEqual(before);
        expect(await rbac.can('u4', 'ring:top', inAcme), 'the refused ring-39 definition took effect').toBe(true);
        await service.call('auditLog', 'acme');
      }),
  );

  check(
    {
      id: 'redefinition',
      title: 'defining a role again replaces its rules and inheritance entirely; repeated rules and roles count once',
      item: 'api-design',
      rules: ['define-replaces', 'duplicates-allowed'],
    },
    ({ impl }) =>
      withService(impl, { cacheTtlMs: 60_000 }, async ({ rbac, clock }) => {
        const service = mirrored(impl, rbac, clock);
        await service.call('createTenant', 'acme', ROOT);
        await service.call('defineRole', 'acme', 'employee', ['attendance:view'], ADMIN);
        await service.call('defineRole', 'acme', 'hr', ['salary:view', 'attendance:*'], {
          ...ADMIN,
          inherits: ['employee'],
        });
        await service.call('assignRole', 'acme', 'u7', 'hr', ADMIN);
        await service.call('defineRole', 'acme', 'hr', ['payroll:run'], ADMIN);
        const replaced: [string, boolean, string][] = [
          ['payroll:run', true, 'the new definition grants payroll:run'],
          ['salary:view', false, 'the old rule salary:view was replaced'],
          ['attendance:edit', false, 'the old rule attendance:* was replaced'],
          ['attendance:view', false, 'the old link to employee was replaced by no inheritance'],
        ];
        for (const [permission, granted, why] of replaced) {
          expect(
            await rbac.can('u7', permission, inAcme),
            `after hr was redefined as [payroll:run], u7 asked for ${permission}: ${why}`,
          ).toBe(granted);
        }
        await service.call('defineRole', 'acme', 'hr', ['salary:view'], { ...ADMIN, inherits: ['employee'] });
        await service.call('defineRole', 'acme', 'hr', ['salary:view'], { ...ADMIN, inherits: [] });
        expect(
          await rbac.can('u7', 'attendance:view', inAcme),
          'hr redefined with inherits: [] still inherits employee',
        ).toBe(false);
        await service.call(
          'defineRole',
          'acme',
          'twice',
          ['ledger:view', 'ledger:view', '!ledger:edit', '!ledger:edit', 'ledger:*'],
          {
            ...ADMIN,
            inherits: ['employee', 'hr', 'employee'],
          },
        );
        await service.call('assignRole', 'acme', 'u8', 'twice', ADMIN);
        for (const permission of ['ledger:view', 'ledger:edit', 'ledger:run', 'attendance:view', 'salary:view']) {
          await service.call('explain', 'u8', permission, inAcme);
        }
        await service.call('deleteRole', 'acme', 'employee', ADMIN);
        await service.call('explain', 'u8', 'attendance:view', inAcme);
        await service.call('explain', 'u8', 'salary:view', inAcme);
        await service.call('auditLog', 'acme');
      }),
  );

  check(
    {
      id: 'delete-role-cascades',
      title: 'deleting a role takes away what it granted, directly and through inheritance, for good, and nothing else',
      item: 'security',
      weight: 2,
      redFlag: 'security-vulnerability',
      rules: ['delete-cascades', 'delete-no-resurrection'],
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
        await rbac.assignRole('acme', 'u5', 'manager', ADMIN);
        await rbac.assignRole('acme', 'u5', 'night-shift', ADMIN);
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
        expect(
          await rbac.can('u1', 'attendance:view', inAcme),
          'deleting manager took employee (a role manager inherited) from u1',
        ).toBe(true);
        expect(await rbac.can('u5', 'shift:edit', inAcme), "deleting manager took u5's other role night-shift").toBe(
          true,
        );
        const director = await settle(() =>
          rbac.defineRole('acme', 'director', ['budget:approve'], { ...ADMIN, inherits: ['night-shift'] }),
        );
        expect(
          director.ok,
          `director, which inherited the deleted manager, could not be redefined: ${director.ok ? '' : shown(director.error)}`,
        ).toBe(true);
        expect(await rbac.can('u2', 'shift:edit', inAcme), 'director u2 lost director when manager was deleted').toBe(
          true,
        );

        await rbac.deleteRole('acme', 'employee', ADMIN);
        expect(
          await rbac.can('u1', 'attendance:view', inAcme),
          'u1 kept attendance:view after employee was deleted',
        ).toBe(false);
        expect(
          await rbac.can('u3', 'attendance:view', inAcme),
          'floor-lead kept attendance:view after employee was deleted',
        ).toBe(false);
        await expectFailure(
          impl,
          "assignRole('acme', 'u4', 'employee') after employee was deleted",
          () => rbac.assignRole('acme', 'u4', 'employee', ADMIN),
          {
            kind: 'unknown-role',
            tenant: 'acme',
            roles: ['employee'],
          },
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
          await rbac.can('u3', 'team:approve', inAcme),
          "floor-lead got team:approve back when manager was redefined: floor-lead's link to the deleted manager survived",
        ).toBe(false);
        expect(
          await rbac.can('u5', 'team:approve', inAcme),
          'u5 got team:approve back when manager was redefined: the old assignment survived the delete',
        ).toBe(false);
      }),
  );

  check(
    {
      id: 'no-op-changes',
      title: 'assigning a role twice and revoking a role not held resolve, change nothing, and log applied entries',
      item: 'api-design',
      rules: ['assign-twice-no-op', 'revoke-unheld-no-op'],
    },
    ({ impl }) =>
      withService(impl, { cacheTtlMs: 5_000 }, async ({ rbac, clock }) => {
        const service = mirrored(impl, rbac, clock);
        await service.call('createTenant', 'acme', ROOT);
        await service.call('defineRole', 'acme', 'hr', ['salary:view'], ADMIN);
        await service.call('defineRole', 'acme', 'ops', ['attendance:view'], ADMIN);
        await service.call('assignRole', 'acme', 'u7', 'hr', ADMIN);
        await service.call('assignRole', 'acme', 'u7', 'hr', ADMIN);
        await service.call('assignRole', 'acme', 'u7', 'hr', { by: 'someone-else' });
        await service.call('explain', 'u7', 'salary:view', inAcme);
        // Assigned three times, revoked once: u7 no longer holds hr.
        await service.call('revokeRole', 'acme', 'u7', 'hr', ADMIN);
        expect(
          await rbac.can('u7', 'salary:view', inAcme),
          'u7 was assigned hr three times and revoked once, yet still has salary:view',
        ).toBe(false);
        await service.call('revokeRole', 'acme', 'u7', 'hr', ADMIN);
        await service.call('revokeRole', 'acme', 'u8', 'hr', ADMIN);
        await service.call('assignRole', 'acme', 'u9', 'ops', ADMIN);
        await service.call('revokeRole', 'acme', 'u9', 'hr', ADMIN);
        expect(
          await rbac.can('u9', 'attendance:view', inAcme),
          "revoking hr, which u9 does not hold, took u9's ops",
        ).toBe(true);
        await service.call('explain', 'u8', 'salary:view', inAcme);
        await service.call('explain', 'u7', 'salary:view', inAcme);
        await service.call('auditLog', 'acme');
      }),
  );

  check(
    {
      id: 'explain-names-the-role',
      title:
        'explain names the role and the rule as written (a deny keeps its !), with the inheritance path, or says exactly why nothing did',
      item: 'api-design',
      weight: 2,
      rules: ['explain-allowed', 'explain-denied', 'explain-no-match', 'explain-path', 'can-matches-explain'],
    },
    ({ impl }) =>
      withService(impl, {}, async ({ rbac, clock }) => {
        await seedStaffing(rbac);
        const service = mirrored(impl, rbac, clock, staffingModel(clock.now()));
        const exactly = async (user: string, permission: string, expected: RbacModule.Explanation) => {
          expect(await rbac.explain(user, permission, inAcme), `explain(${user}, ${permission}, acme)`).toEqual(
            expected,
          );
        };
        await exactly('u9', 'payroll:run', {
          granted: true,
          reason: 'allowed',
          role: 'payroll-manager',
          rule: 'payroll:run',
          path: ['payroll-manager'],
        });
        await exactly('u9', 'salary:view', {
          granted: true,
          reason: 'allowed',
          role: 'hr',
          rule: 'salary:view',
          path: ['payroll-manager', 'hr'],
        });
        await exactly('u9', 'attendance:edit', {
          granted: true,
          reason: 'allowed',
          role: 'hr',
          rule: 'attendance:*',
          path: ['payroll-manager', 'hr'],
        });
        await exactly('u8', 'salary:view', {
          granted: false,
          reason: 'denied',
          role: 'contractor-hr',
          rule: '!salary:view',
          path: ['contractor-hr'],
        });
        await exactly('u7', 'fleet:drive', { granted: false, reason: 'no-matching-rule' });
        await exactly('nobody', 'salary:view', { granted: false, reason: 'no-roles' });
        await exactly('u2', 'salary:view', { granted: false, reason: 'no-roles' });
        await service.call('defineRole', 'acme', 'timekeeper', ['!attendance:*'], { ...ADMIN, inherits: ['employee'] });
        await service.call('defineRole', 'acme', 'hr-timekeeper', [], { ...ADMIN, inherits: ['hr', 'timekeeper'] });
        await service.call('defineRole', 'acme', 'temp', ['!payroll:run'], { ...ADMIN, inherits: ['hr-timekeeper'] });
        await service.call('assignRole', 'acme', 'u6', 'hr-timekeeper', ADMIN);
        await service.call('assignRole', 'acme', 'u5', 'temp', ADMIN);
        await service.call('assignRole', 'acme', 'u5', 'payroll-manager', ADMIN);
        await exactly('u6', 'attendance:edit', {
          granted: false,
          reason: 'denied',
          role: 'timekeeper',
          rule: '!attendance:*',
          path: ['hr-timekeeper', 'timekeeper'],
        });
        for (const user of ['u1', 'u5', 'u6', 'u7', 'u8', 'u9', 'nobody']) {
          for (const permission of [
            'attendance:view',
            'attendance:edit',
            'salary:view',
            'payroll:run',
            'fleet:drive',
          ]) {
            await service.call('explain', user, permission, inAcme);
            await service.call('can', user, permission, inAcme);
          }
        }
      }),
  );

  check(
    {
      id: 'audit-trail',
      title:
        'every change in a tenant is in its audit log, oldest first, every field as the README says: rejected changes included, other tenants excluded',
      item: 'security',
      weight: 2,
      rules: [
        'audit-every-change',
        'audit-at',
        'audit-by',
        'audit-action',
        'audit-role-user',
        'audit-permissions',
        'audit-inherits',
        'audit-outcome',
        'audit-order',
        'audit-own-tenant',
        'clock-injected',
      ],
    },
    ({ impl }) =>
      withService(impl, {}, async ({ rbac, clock }) => {
        const expected: RbacModule.AuditEntry[] = [];
        const step = async (
          entry: Omit<RbacModule.AuditEntry, 'at' | 'tenant'>,
          call: () => Promise<unknown>,
          advance = 1_000,
        ) => {
          await clock.advance(advance);
          expected.push({ at: clock.now(), tenant: 'acme', ...entry });
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
            outcome: 'applied',
          },
          () => rbac.defineRole('acme', 'employee', ['attendance:view'], { by: 'alice' }),
        );
        await step(
          {
            action: 'role.define',
            by: 'alice',
            role: 'hr',
            permissions: ['salary:view', 'attendance:*', 'salary:view'],
            inherits: ['employee', 'employee'],
            outcome: 'applied',
          },
          () =>
            rbac.defineRole('acme', 'hr', ['salary:view', 'attendance:*', 'salary:view'], {
              by: 'alice',
              inherits: ['employee', 'employee'],
            }),
        );
        await step(
          { action: 'role.define', by: 'alice', role: 'intern', permissions: [], inherits: [], outcome: 'applied' },
          () => rbac.defineRole('acme', 'intern', [], { by: 'alice', inherits: [] }),
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
        // Three changes at the same moment: their entries keep the order they were made in.
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
          0,
        );
        await step(
          { action: 'role.assign', by: 'carol', role: 'employee', userId: 'u7', outcome: 'applied' },
          () => rbac.assignRole('acme', 'u7', 'employee', { by: 'carol' }),
          0,
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
        await step(
          { action: 'role.assign', by: ' spaced  by ', role: 'employee', userId: 'u9', outcome: 'applied' },
          () => rbac.assignRole('acme', 'u9', 'employee', { by: ' spaced  by ' }),
        );

        const log = await rbac.auditLog('acme');
        expect(
          log.length,
          `auditLog('acme') has ${log.length} entries for ${expected.length} changes attempted in acme: ${describeEntries(log)}`,
        ).toBe(expected.length);
        for (let index = 0; index < expected.length; index++) {
          const difference = valueDifference(log[index], expected[index], `entry ${index + 1}`);
          expect(
            difference,
            `audit entry ${index + 1} of acme (${expected[index]!.action}, ${expected[index]!.outcome}): ${difference}`,
          ).toBeUndefined();
        }
      }),
  );

  check(
    {
      id: 'unknown-names',
      title:
        'unknown tenants and roles and duplicate tenants get their error class, code, fields and message, and the right entries',
      item: 'code-error-handling',
      weight: 2,
      redFlag: 'no-error-handling',
      rules: [
        'unknown-tenant',
        'unknown-role',
        'tenant-exists',
        'inherits-exist',
        'error-classes',
        'audit-no-stray-entries',
      ],
    },
    ({ impl }) =>
      withService(impl, {}, async ({ rbac, clock }) => {
        await seedStaffing(rbac);
        const service = mirrored(impl, rbac, clock, staffingModel(clock.now()));
        const before = await snapshot(
          rbac,
          'acme',
          ['u1', 'u7', 'u8', 'u9', 'u4'],
          ['attendance:view', 'salary:view', 'payroll:run'],
        );
        for (const tenant of ['initech', 'ACME']) {
          await service.call('can', 'u7', 'salary:view', { tenant });
          await service.call('explain', 'u7', 'salary:view', { tenant });
          await service.call('defineRole', tenant, 'hr', ['salary:view'], ADMIN);
          await service.call('defineRole', tenant, 'hr', ['salary:view'], { ...ADMIN, inherits: ['ghost'] });
          await service.call('assignRole', tenant, 'u7', 'hr', ADMIN);
          await service.call('revokeRole', tenant, 'u7', 'hr', ADMIN);
          await service.call('deleteRole', tenant, 'hr', ADMIN);
          await service.call('auditLog', tenant);
        }
        await service.call('assignRole', 'acme', 'u4', 'ceo', ADMIN);
        await service.call('assignRole', 'acme', 'u4', 'HR', ADMIN);
        await service.call('revokeRole', 'acme', 'u7', 'ceo', ADMIN);
        await service.call('deleteRole', 'acme', 'ceo', ADMIN);
        await service.call('defineRole', 'acme', 'board', [], { ...ADMIN, inherits: ['hr', 'ceo'] });
        await service.call('defineRole', 'acme', 'board', [], { ...ADMIN, inherits: ['ceo', 'cfo'] });
        await service.call('assignRole', 'acme', 'u4', 'board', ADMIN);
        await service.call('createTenant', 'acme', ROOT);
        await service.call('createTenant', 'acme', { by: 'eve' });
        expect(
          await snapshot(
            rbac,
            'acme',
            ['u1', 'u7', 'u8', 'u9', 'u4'],
            ['attendance:view', 'salary:view', 'payroll:run'],
          ),
          'a refused call changed what users may do',
        ).toEqual(before);
        await service.call('auditLog', 'acme');
        await service.call('auditLog', 'globex');
        // The tenant named before it existed: its log starts with its creation, nothing earlier.
        await service.call('createTenant', 'initech', ROOT);
        await service.call('auditLog', 'initech');
      }),
  );

  check(
    {
      id: 'bad-arguments',
      title:
        'every bad argument of every method is a TypeError or RangeError naming it and what was received, before anything is read, changed or recorded',
      item: 'code-error-handling',
      weight: 2,
      redFlag: 'no-error-handling',
      rules: [
        'bad-id',
        'bad-permission',
        'bad-rule',
        'bad-inherits',
        'bad-by',
        'bad-cache-ttl',
        'bad-options',
        'bad-argument-message',
        'bad-arguments-first',
        'audit-no-stray-entries',
        'concrete-permission-only',
      ],
    },
    ({ impl }) =>
      withService(impl, {}, async ({ rbac, clock, testDb }) => {
        await seedStaffing(rbac);
        const service = mirrored(impl, rbac, clock, staffingModel(clock.now()));
        const badIds: unknown[] = ['', 42, 0, null, undefined, true, {}, ['hr']];
        const badOptions: unknown[] = [undefined, null, 'root', 42, {}, { by: '' }, { by: 42 }, { by: null }];
        // Every bad argument, in a known tenant and in one that does not exist: the argument's error either way.
        for (const tenant of ['acme', 'initech']) {
          for (const bad of badIds) {
            await service.call('createTenant', bad, ROOT);
            await service.call('defineRole', bad, 'x', [], ADMIN);
            await service.call('defineRole', tenant, bad, [], ADMIN);
            await service.call('deleteRole', bad, 'hr', ADMIN);
            await service.call('deleteRole', tenant, bad, ADMIN);
            await service.call('assignRole', bad, 'u4', 'hr', ADMIN);
            await service.call('assignRole', tenant, bad, 'hr', ADMIN);
            await service.call('assignRole', tenant, 'u4', bad, ADMIN);
            await service.call('revokeRole', bad, 'u7', 'hr', ADMIN);
            await service.call('revokeRole', tenant, bad, 'hr', ADMIN);
            await service.call('revokeRole', tenant, 'u7', bad, ADMIN);
            await service.call('can', bad, 'salary:view', { tenant });
            await service.call('explain', bad, 'salary:view', { tenant });
            await service.call('can', 'u7', 'salary:view', { tenant: bad });
            await service.call('explain', 'u7', 'salary:view', { tenant: bad });
            await service.call('auditLog', bad);
            await service.call('defineRole', tenant, 'x', [], { ...ADMIN, inherits: ['hr', bad] });
          }
          for (const bad of badOptions) {
            await service.call('createTenant', tenant === 'acme' ? 'newco' : tenant, bad);
            await service.call('defineRole', tenant, 'x', [], bad);
            await service.call('deleteRole', tenant, 'hr', bad);
            await service.call('assignRole', tenant, 'u4', 'hr', bad);
            await service.call('revokeRole', tenant, 'u7', 'hr', bad);
          }
          for (const bad of [undefined, null, 'acme', 42]) {
            await service.call('can', 'u7', 'salary:view', bad);
            await service.call('explain', 'u7', 'salary:view', bad);
          }
          for (const bad of [
            '',
            'salary',
            'salary:',
            ':view',
            'a:b:c',
            'salary view',
            'é:view',
            'salary:*',
            '!salary:view',
            'salary:v*',
            42,
            null,
            undefined,
          ]) {
            await service.call('can', 'u7', bad, { tenant });
            await service.call('explain', 'u7', bad, { tenant });
          }
          for (const bad of ['salary:view', null, undefined, {}, 42])
            await service.call('defineRole', tenant, 'x', bad, ADMIN);
          for (const bad of ['*:view', 'attendance*', '*', '!', '!!salary:view', 'é:view', '', 42, null]) {
            await service.call('defineRole', tenant, 'x', ['salary:view', bad], ADMIN);
          }
          for (const bad of ['hr', null, {}, 42, true])
            await service.call('defineRole', tenant, 'x', [], { ...ADMIN, inherits: bad });
        }
        await service.call('auditLog', 'acme');
        await service.call('createTenant', 'initech', ROOT);
        await service.call('auditLog', 'initech');
        const badServiceOptions: [unknown, string, unknown][] = [
          [null, 'options', null],
          [42, 'options', 42],
          [{ now: clock.now }, 'db', undefined],
          [{ db: null }, 'db', null],
          [{ db: {} }, 'db', {}],
          [{ db: testDb.db, now: 42 }, 'now', 42],
          [{ db: testDb.db, now: 'Date.now' }, 'now', 'Date.now'],
        ];
        for (const [options, argument, received] of badServiceOptions) {
          const outcome = await settle(() => (impl.createRbac as (o: unknown) => Promise<unknown>)(options));
          const problem = outcome.ok
            ? 'resolved to a service'
            : errorProblem(outcome.error, { kind: 'argument', argument, received }, impl as unknown as ErrorClasses);
          expect(problem, `createRbac(${show(options)}) ${problem}`).toBeUndefined();
        }
        for (const bad of [-1, -0.5, -Infinity, Number.NaN, '5000', null, {}, true]) {
          const outcome = await settle(() =>
            impl.createRbac({ db: testDb.db, now: clock.now, cacheTtlMs: bad as number }),
          );
          const problem = outcome.ok
            ? 'resolved to a service'
            : errorProblem(
                outcome.error,
                { kind: 'argument', argument: 'cacheTtlMs', received: bad },
                impl as unknown as ErrorClasses,
              );
          expect(problem, `createRbac({ cacheTtlMs: ${show(bad)} }) ${problem}`).toBeUndefined();
        }
      }),
  );

  check(
    {
      id: 'async-methods',
      title: 'every method returns a promise: bad arguments reject rather than throw, and changes resolve to undefined',
      item: 'api-design',
      rules: ['async-api'],
    },
    ({ impl }) =>
      withService(impl, {}, async ({ rbac, clock, testDb }) => {
        const calls: [string, () => unknown][] = [
          ['createTenant(42)', () => (rbac.createTenant as (...a: unknown[]) => unknown)(42, ROOT)],
          [
            'defineRole("acme", "", [])',
            () => (rbac.defineRole as (...a: unknown[]) => unknown)('acme', '', [], ADMIN),
          ],
          ['deleteRole("acme", null)', () => (rbac.deleteRole as (...a: unknown[]) => unknown)('acme', null, ADMIN)],
          [
            'assignRole("acme", 7, "hr")',
            () => (rbac.assignRole as (...a: unknown[]) => unknown)('acme', 7, 'hr', ADMIN),
          ],
          [
            'revokeRole("acme", "u7", "hr") without options',
            () => (rbac.revokeRole as (...a: unknown[]) => unknown)('acme', 'u7', 'hr'),
          ],
          ['can("u7", "salary")', () => (rbac.can as (...a: unknown[]) => unknown)('u7', 'salary', inAcme)],
          [
            'explain(null, "salary:view")',
            () => (rbac.explain as (...a: unknown[]) => unknown)(null, 'salary:view', inAcme),
          ],
          ['auditLog("")', () => (rbac.auditLog as (...a: unknown[]) => unknown)('')],
          ['createRbac({ cacheTtlMs: -1 })', () => impl.createRbac({ db: testDb.db, now: clock.now, cacheTtlMs: -1 })],
        ];
        for (const [label, call] of calls) {
          let result: unknown;
          try {
            result = call();
          } catch (error) {
            expect.fail(`${label} threw synchronously (${shown(error)}) instead of returning a rejected promise`);
          }
          expect(typeof (result as { then?: unknown })?.then, `${label} returned ${show(result)}, not a promise`).toBe(
            'function',
          );
          const outcome = await settle(() => result);
          expect(outcome.ok, `${label} resolved instead of rejecting`).toBe(false);
        }
        const changes: [string, () => Promise<unknown>][] = [
          ['createTenant', () => rbac.createTenant('acme', ROOT)],
          ['defineRole', () => rbac.defineRole('acme', 'hr', ['salary:view'], ADMIN)],
          ['assignRole', () => rbac.assignRole('acme', 'u7', 'hr', ADMIN)],
          ['revokeRole', () => rbac.revokeRole('acme', 'u7', 'hr', ADMIN)],
          ['deleteRole', () => rbac.deleteRole('acme', 'hr', ADMIN)],
        ];
        for (const [label, call] of changes) {
          const value = await call();
          expect(value, `${label} resolved to ${show(value)}, not undefined`).toBeUndefined();
        }
      }),
  );

  check(
    {
      id: 'options',
      title:
        'cacheTtlMs from 0 (the default) through fractions to Infinity, now injected or Date.now, createRbac again on existing data',
      item: 'caching',
      weight: 2,
      rules: [
        'cache-ttl-range',
        'cache-ttl-default',
        'clock-default',
        'clock-injected',
        'schema-created',
        'bad-cache-ttl',
      ],
    },
    async ({ impl }) => {
      const testDb = createTestDatabase();
      const handles = [testDb];
      try {
        const clock = createManualClock();
        const writerDb = openTestDatabase(testDb.file);
        handles.push(writerDb);
        const writer = await impl.createRbac({ db: writerDb.db, now: clock.now });
        await seedStaffing(writer);
        for (const ttl of [0.5, 2.5, 1_000, 86_400_000, Infinity]) {
          const handle = openTestDatabase(testDb.file);
          handles.push(handle);
          const created = await settle(() => impl.createRbac({ db: handle.db, now: clock.now, cacheTtlMs: ttl }));
          expect(
            created.ok,
            `createRbac({ cacheTtlMs: ${ttl} }) was rejected: ${created.ok ? '' : shown(created.error)}`,
          ).toBe(true);
          const reader = (created as { value: Rbac }).value;
          expect(
            await reader.can('u9', 'payroll:run', inAcme),
            `with cacheTtlMs ${ttl}, payroll-manager u9 was refused payroll:run`,
          ).toBe(true);
          await writer.revokeRole('acme', 'u9', 'payroll-manager', ADMIN);
          if (Number.isFinite(ttl)) {
            await clock.advance(ttl);
            expect(
              await reader.can('u9', 'payroll:run', inAcme),
              `an instance with cacheTtlMs ${ttl} still granted payroll:run ${ttl} ms after another instance revoked it`,
            ).toBe(false);
          }
          // Its own changes it honours at once, whatever its cacheTtlMs.
          await reader.assignRole('acme', 'u9', 'payroll-manager', ADMIN);
          expect(
            await reader.can('u9', 'payroll:run', inAcme),
            `with cacheTtlMs ${ttl}, this instance's own assign was not seen at once`,
          ).toBe(true);
          await reader.revokeRole('acme', 'u9', 'payroll-manager', ADMIN);
          expect(
            await reader.can('u9', 'payroll:run', inAcme),
            `with cacheTtlMs ${ttl}, this instance's own revoke was not seen at once`,
          ).toBe(false);
          await writer.assignRole('acme', 'u9', 'payroll-manager', ADMIN);
          await clock.advance(Number.isFinite(ttl) ? ttl : 0);
        }

        // No cacheTtlMs: no cache, so another instance's change is seen by the very next check.
        const defaultHandle = openTestDatabase(testDb.file);
        handles.push(defaultHandle);
        const uncached = await impl.createRbac({ db: defaultHandle.db, now: clock.now });
        expect(await uncached.can('u7', 'salary:view', inAcme), 'hr user u7 was refused salary:view').toBe(true);
        await writer.revokeRole('acme', 'u7', 'hr', ADMIN);
        expect(
          await uncached.can('u7', 'salary:view', inAcme),
          'an instance created without cacheTtlMs (default 0, no cache) still granted salary:view right after another instance revoked hr',
        ).toBe(false);
        await writer.assignRole('acme', 'u7', 'hr', ADMIN);
        expect(
          await uncached.can('u7', 'salary:view', inAcme),
          'an instance without cacheTtlMs did not see another instance assign hr at once',
        ).toBe(true);

        // createRbac again on the same database: everything is still there.
        const logBefore = await writer.auditLog('acme');
        const again = await impl.createRbac({ db: testDb.db, now: clock.now });
        const logAfter = await again.auditLog('acme');
        expect(
          logAfter.length,
          `createRbac on a database with ${logBefore.length} entries in acme left ${logAfter.length}`,
        ).toBe(logBefore.length);
        expect(
          await again.can('u7', 'salary:view', inAcme),
          'createRbac again on existing data lost u7 holding hr',
        ).toBe(true);
        expect(
          await again.can('u8', 'salary:view', inAcme),
          "createRbac again on existing data lost contractor-hr's deny",
        ).toBe(false);
        await expectFailure(
          impl,
          "createTenant('acme') after createRbac again",
          () => again.createTenant('acme', ROOT),
          {
            kind: 'tenant-exists',
            tenant: 'acme',
          },
        );

        // Without `now`, audit entries are stamped with Date.now.
        const wallHandle = openTestDatabase(testDb.file);
        handles.push(wallHandle);
        const wall = await impl.createRbac({ db: wallHandle.db });
        const from = Date.now();
        await wall.createTenant('wall-clock', ROOT);
        const to = Date.now();
        const [entry] = await wall.auditLog('wall-clock');
        expect(
          typeof entry?.at === 'number' && entry.at >= from && entry.at <= to,
          `without now, createTenant between Date.now() ${from} and ${to} was stamped at ${show(entry?.at)}`,
        ).toBe(true);
        // With `now`, only now.
        await clock.advance(12_345);
        await writer.createTenant('manual-clock', ROOT);
        const [manual] = await writer.auditLog('manual-clock');
        expect(manual?.at, 'with now injected, the entry is stamped with now()').toBe(clock.now());

        for (const bad of [-1, Number.NaN, '5000']) {
          const outcome = await settle(() =>
            impl.createRbac({ db: testDb.db, now: clock.now, cacheTtlMs: bad as number }),
          );
          expect(outcome.ok, `createRbac({ cacheTtlMs: ${show(bad)} }) resolved`).toBe(false);
        }
      } finally {
        for (const handle of handles.reverse()) await handle.close();
      }
    },
  );

  check(
    {
      id: 'changes-apply-at-once',
      title: "with a cache on, this instance's revoke, redefinition, delete or grant decides the very next check",
      item: 'caching',
      weight: 2,
      redFlag: 'security-vulnerability',
      rules: ['own-changes-at-once'],
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

        expect((await rbac.explain('u8', 'salary:view', inAcme)).reason, 'contractor-hr u8 is denied salary:view').toBe(
          'denied',
        );
        await rbac.defineRole('acme', 'contractor-hr', [], { ...ADMIN, inherits: ['hr'] });
        expect((await rbac.explain('u8', 'attendance:edit', inAcme)).granted, 'u8 lost attendance:edit').toBe(true);
        expect(
          (await rbac.explain('u8', 'salary:view', inAcme)).reason,
          "explain still answered from before contractor-hr's deny was removed",
        ).toBe('no-matching-rule');
      }),
  );

  check(
    {
      id: 'revoke-race',
      title:
        '1000 concurrent checks racing a revoke, a redefinition, a delete or a grant: no check that starts after it resolved answers from before it',
      item: 'race-conditions',
      weight: 3,
      redFlag: 'no-concurrency-handling',
      // On PostgreSQL every statement is a round trip (each model case asks hundreds of questions).
      timeoutMs: 120_000,
      rules: ['own-changes-at-once'],
    },
    async ({ impl, property }) => {
      // Mostly all 1000 checks; a failure shrinks towards a handful, which is easier to read.
      const checkers = fc.oneof(
        { withCrossShrink: true },
        { arbitrary: fc.integer({ min: 2, max: 12 }), weight: 1 },
        { arbitrary: fc.constant(1000), weight: 7 },
      );
      // Each change, the question it answers differently, and the answer once it resolved.
      const changes = fc.constantFrom(
        {
          what: 'the revoke of hr from u7',
          user: 'u7',
          permission: 'salary:view',
          after: false,
          make: (rbac: Rbac) => rbac.revokeRole('acme', 'u7', 'hr', ADMIN),
        },
        {
          what: 'the redefinition of hr without salary:view',
          user: 'u7',
          permission: 'salary:view',
          after: false,
          make: (rbac: Rbac) => rbac.defineRole('acme', 'hr', ['attendance:*'], { ...ADMIN, inherits: ['employee'] }),
        },
        {
          what: 'the delete of hr',
          user: 'u7',
          permission: 'salary:view',
          after: false,
          make: (rbac: Rbac) => rbac.deleteRole('acme', 'hr', ADMIN),
        },
        {
          what: 'the assignment of payroll-manager to u5',
          user: 'u5',
          permission: 'payroll:run',
          after: true,
          make: (rbac: Rbac) => rbac.assignRole('acme', 'u5', 'payroll-manager', ADMIN),
        },
      );
      await property(
        fc.asyncProperty(
          checkers,
          changes,
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
          async (count, change, driver) => {
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
                  return { index, late, granted: await rbac.can(change.user, change.permission, inAcme) };
                });
              const early = Math.ceil(count / 2);
              const earlyChecks = Promise.all(Array.from({ length: early }, (_, index) => ask(index, false)));
              // The revoke begins once some check's read has been answered by the database but the
              // answer is still held back: the moment a stale answer can outlive the revoke.
              const revoke = interleaving.as('revoke', async () => {
                await interleaving.whenAnswerHeld();
                await interleaving.turn('start');
                await change.make(rbac);
              });
              // These start only once the revoke has resolved, while earlier checks may still be in flight.
              const lateChecks = revoke.then(() =>
                Promise.all(Array.from({ length: count - early }, (_, offset) => ask(early + offset, true))),
              );
              const everything = Promise.all([earlyChecks, lateChecks]);
              await interleaving.drive(everything);
              const [, late] = await everything;
              const stale = late.filter((outcome) => outcome.granted !== change.after);
              expect(
                stale.length,
                `${stale.length} of ${late.length} checks that started after ${change.what} resolved still answered ${!change.after} for ${change.user} ${change.permission} (${count} checks in all, first: check ${stale[0]?.index})`,
              ).toBe(0);
            } finally {
              await testDb.close();
            }
          },
        ),
        { numRuns: 4 },
      );
    },
  );

  check(
    {
      id: 'two-instances',
      title:
        'two instances on one database file: a grant or revoke on one is honoured by the other at exactly cacheTtlMs, counted from its read',
      item: 'load-balancing',
      weight: 3,
      redFlag: 'security-vulnerability',
      rules: ['other-instances-within-ttl', 'clock-injected'],
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

        // B's entries expire; B reads again, and A changes both users in the same millisecond.
        await clock.advance(ttl + 1);
        expect(await b.can('u7', 'salary:view', inAcme), 'instance B refused u7 salary:view before any change').toBe(
          true,
        );
        expect(await b.can('u5', 'payroll:run', inAcme), 'instance B granted u5 payroll:run before any change').toBe(
          false,
        );
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
        await clock.advance(changedAt + ttl - 0.5 - clock.now());
        await b.can('u7', 'salary:view', inAcme);
        await clock.advance(0.5);
        expect(
          await b.can('u7', 'salary:view', inAcme),
          `instance B still granted u7 salary:view exactly ${ttl} ms after instance A's revoke of hr resolved (cacheTtlMs ${ttl})`,
        ).toBe(false);
        expect(
          await b.can('u5', 'payroll:run', inAcme),
          `instance B still refused u5 payroll:run exactly ${ttl} ms after instance A assigned payroll-manager (cacheTtlMs ${ttl})`,
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
      rules: ['other-instances-within-ttl'],
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
      rules: ['changes-serializable', 'cycle-rejected'],
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
      id: 'indexed-lookups',
      title: 'can() and explain() search indexes: no full scan of a table holding hundreds of rows',
      item: 'database-optimization',
      redFlag: 'poor-database-design',
      timeoutMs: 20_000,
      rules: ['lookups-indexed'],
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

  // Properties over the whole API, after the named scenarios so that a broken basic fails in milliseconds.

  check(
    {
      id: 'matches-model',
      title:
        'property: every method, good and bad arguments, generated names of every shape, the clock, restarts and deep chains on one instance match the model in full',
      item: 'security',
      weight: 4,
      redFlag: 'security-vulnerability',
      // On PostgreSQL every statement is a round trip (each model case asks hundreds of questions).
      timeoutMs: 120_000,
      rules: [
        'async-api',
        'schema-created',
        'clock-injected',
        'ids-any-string',
        'ids-exact',
        'permission-grammar',
        'rule-grammar',
        'permission-exact',
        'wildcard-whole-action',
        'concrete-permission-only',
        'inheritance-transitive',
        'inheritance-one-way',
        'diamond-accepted',
        'cycle-rejected',
        'cycle-error-detail',
        'inherits-exist',
        'define-replaces',
        'duplicates-allowed',
        'deny-overrides',
        'allow-grants',
        'deny-by-default',
        'no-roles-not-error',
        'tenant-isolation',
        'unknown-tenant',
        'tenant-exists',
        'unknown-role',
        'assign-twice-no-op',
        'revoke-unheld-no-op',
        'delete-cascades',
        'delete-no-resurrection',
        'bad-argument-message',
        'bad-arguments-first',
        'bad-id',
        'bad-permission',
        'bad-rule',
        'bad-inherits',
        'bad-by',
        'audit-every-change',
        'audit-at',
        'audit-by',
        'audit-action',
        'audit-role-user',
        'audit-permissions',
        'audit-inherits',
        'audit-outcome',
        'audit-order',
        'audit-own-tenant',
        'audit-no-stray-entries',
        'own-changes-at-once',
        'explain-allowed',
        'explain-denied',
        'explain-no-match',
        'explain-path',
        'can-matches-explain',
        'error-classes',
      ],
    },
    async ({ impl, property, seed }) => {
      await property(
        fc.asyncProperty(
          runArbitrary({ instances: 1, faults: false, maxCommands: 30 }),
          withShrinkBudget(SHRINK_BUDGET, (run) => runModel(impl, run, seed)),
        ),
        { numRuns: 20 },
      );
    },
  );

  check(
    {
      id: 'instances-match-model',
      title:
        'property: the same over two instances on one file, each with its own cacheTtlMs, the clock moved to and across both boundaries',
      item: 'load-balancing',
      weight: 3,
      redFlag: 'security-vulnerability',
      // On PostgreSQL every statement is a round trip (each model case asks hundreds of questions).
      timeoutMs: 120_000,
      rules: [
        'other-instances-within-ttl',
        'own-changes-at-once',
        'cache-ttl-range',
        'schema-created',
        'clock-injected',
      ],
    },
    async ({ impl, property, seed }) => {
      await property(
        fc.asyncProperty(
          runArbitrary({ instances: 2, faults: false, maxCommands: 30 }),
          withShrinkBudget(SHRINK_BUDGET, (run) => runModel(impl, run, seed)),
        ),
        { numRuns: 15 },
      );
    },
  );

  check(
    {
      id: 'faults-leave-no-trace',
      title:
        'property: a database error or a crash at any statement of a change leaves all of it, with its one entry, or nothing',
      item: 'transactions',
      weight: 3,
      redFlag: 'no-transaction-handling',
      // On PostgreSQL every statement is a round trip (each model case asks hundreds of questions).
      timeoutMs: 120_000,
      rules: ['changes-atomic'],
    },
    async ({ impl, property, seed }) => {
      await property(
        fc.asyncProperty(
          runArbitrary({ instances: 1, faults: true, maxCommands: 20 }),
          withShrinkBudget(SHRINK_BUDGET, (run) => runModel(impl, run, seed)),
        ),
        { numRuns: 15 },
      );
    },
  );

  check(
    {
      id: 'concurrent-history',
      title:
        'property: any changes and checks started together on two instances, sometimes with a fault or a crash, form a linearizable history',
      item: 'race-conditions',
      weight: 3,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 60_000,
      rules: [
        'checks-see-one-state',
        'changes-serializable',
        'changes-atomic',
        'audit-every-change',
        'own-changes-at-once',
      ],
    },
    async ({ impl, property }) => {
      const plans = fc.oneof(
        { weight: 3, arbitrary: batchPlanArbitrary({ faults: false, cached: false }) },
        { weight: 2, arbitrary: batchPlanArbitrary({ faults: true, cached: false }) },
        { weight: 2, arbitrary: batchPlanArbitrary({ faults: false, cached: true }) },
      );
      await property(
        fc.asyncProperty(
          plans,
          fc.integer(),
          withShrinkBudget(SHRINK_BUDGET, (plan, runSeed) => runBatch(impl, plan, runSeed)),
        ),
        { numRuns: 25 },
      );
    },
  );

  check(
    {
      id: 'worker-history',
      title:
        'property: changes and checks made at once by instances in separate worker threads form a linearizable history',
      item: 'distributed-systems',
      weight: 2,
      redFlag: 'no-concurrency-handling',
      timeoutMs: 40_000,
      rules: ['changes-serializable', 'checks-see-one-state'],
    },
    async ({ impl, targetFile, property }) => {
      await property(
        fc.asyncProperty(
          workerPlanArbitrary,
          fc.integer(),
          // Each case starts two worker threads: shrink a little, not for minutes.
          withShrinkBudget(1, async (plan, runSeed) => {
            const testDb = createTestDatabase();
            try {
              const clock = createManualClock();
              const at = clock.now();
              const setup = await impl.createRbac({ db: testDb.db, now: clock.now });
              const model = new RbacModel();
              const classes = impl as unknown as ErrorClasses;
              for (const call of plan.setup) {
                const problem = outcomeProblem(await settle(() => invoke(setup, call)), model.apply(call, at), {
                  classes,
                });
                expect(problem, `setting up, ${describeCall(0, call)} ${problem}`).toBeUndefined();
              }
              const shared = createSharedClock();
              const perWorker = (await runWorkers<AppInstanceResult, AppInstanceArgs>({
                scenarioFile: appInstanceFile,
                targetFile,
                databaseFile: testDb.file,
                workers: 2,
                args: { mode: 'history', calls: plan.calls, now: at },
                seed: runSeed,
                clock: shared,
                database: { maxYields: 2 },
              })) as RecordedCall[][];
              const history = createHistory<HistoryInput, unknown>();
              perWorker.forEach((recorded, instance) => {
                for (const { call, invokedAt, returnedAt, outcome } of recorded) {
                  history.add({
                    process: instance === 0 ? 'A' : 'B',
                    input: { instance, call },
                    invokedAt,
                    returnedAt,
                    outcome,
                  });
                }
              });
              for (const call of plan.finals) {
                const invokedAt = shared.tick();
                const outcome = await settle(() => invoke(setup, call));
                history.add({
                  process: 'reader',
                  input: { instance: 2, call },
                  invokedAt,
                  returnedAt: shared.tick(),
                  outcome,
                });
              }
              // Errors crossed a thread boundary as plain data: they are judged by name, code and message.
              const verdict = checkLinearizable(
                history.operations,
                historyModel(model, at, { faultStruck: () => false }),
              );
              expect(verdict.ok, verdict.ok ? '' : verdict.message).toBe(true);
            } finally {
              await testDb.close();
            }
          }),
        ),
        { numRuns: 2 },
      );
    },
  );

  check(
    {
      id: 'one-state-per-check',
      title:
        'a check held up between its statements while two changes commit answers from one state, never the roles from before them and the rules from after',
      item: 'race-conditions',
      weight: 2,
      redFlag: 'no-concurrency-handling',
      // Three fresh database handles per gap of the check: on PostgreSQL each is a CREATE DATABASE.
      timeoutMs: 30_000,
      rules: ['checks-see-one-state'],
    },
    async ({ impl, runsFactor }) => {
      // In every state each scenario passes through, u1 may not write the doc; only a mix of two states allows it.
      const scenarios: { readonly what: string; readonly setup: Call[]; readonly changes: Call[] }[] = [
        {
          what: 'u1 holds a, which has no rules; then a is revoked from u1, then a is given doc:write',
          setup: [
            { method: 'defineRole', args: ['acme', 'a', [], ADMIN] },
            { method: 'assignRole', args: ['acme', 'u1', 'a', ADMIN] },
          ],
          changes: [
            { method: 'revokeRole', args: ['acme', 'u1', 'a', ADMIN] },
            { method: 'defineRole', args: ['acme', 'a', ['doc:write'], ADMIN] },
          ],
        },
        {
          what: 'a allows doc:write and nobody holds it; then a loses the rule, then u1 is given a',
          setup: [{ method: 'defineRole', args: ['acme', 'a', ['doc:write'], ADMIN] }],
          changes: [
            { method: 'defineRole', args: ['acme', 'a', [], ADMIN] },
            { method: 'assignRole', args: ['acme', 'u1', 'a', ADMIN] },
          ],
        },
        {
          what: 'u1 holds top, which inherits mid, which has no rules; then top stops inheriting mid, then mid is given doc:write',
          setup: [
            { method: 'defineRole', args: ['acme', 'mid', [], ADMIN] },
            { method: 'defineRole', args: ['acme', 'top', [], { ...ADMIN, inherits: ['mid'] }] },
            { method: 'assignRole', args: ['acme', 'u1', 'top', ADMIN] },
          ],
          changes: [
            { method: 'defineRole', args: ['acme', 'top', [], { ...ADMIN, inherits: [] }] },
            { method: 'defineRole', args: ['acme', 'mid', ['doc:write'], ADMIN] },
          ],
        },
      ];
      for (const scenario of scenarios) {
        for (const method of ['can', 'explain'] as const) {
          // Hold the check up after its first statement, then its second, ...: every gap it has.
          for (let statement = 1; statement <= 30 * runsFactor; statement++) {
            const testDb = createTestDatabase({ synchronous: 'off' });
            const writerDb = openTestDatabase(testDb.file);
            const checkerDb = openTestDatabase(testDb.file);
            try {
              const clock = createManualClock();
              const writer = await impl.createRbac({ db: writerDb.db, now: clock.now });
              await writer.createTenant('acme', ROOT);
              for (const call of scenario.setup) await invoke(writer, call);
              const wire = pausable(checkerDb.db);
              const checker = await impl.createRbac({ db: wire.db, now: clock.now });
              let changes: Promise<unknown> | undefined;
              wire.pauseAt(statement, () => {
                changes = (async () => {
                  for (const call of scenario.changes) await invoke(writer, call);
                })();
                // A check holding the write lock would keep the changes waiting: then it goes on alone.
                return Promise.race([changes, new Promise((resolve) => realSetTimeout(resolve, 500))]);
              });
              const answer = await settle(
                () => (checker[method] as Rbac['can'])('u1', 'doc:write', inAcme) as Promise<unknown>,
              );
              await changes;
              const granted = answer.ok
                ? method === 'can'
                  ? answer.value
                  : (answer.value as { granted?: unknown }).granted
                : shown(answer.error);
              expect(
                granted,
                `${scenario.what}: ${method}('u1', 'doc:write') held up after its statement ${statement} while both changes committed answered ${show(answer.ok ? answer.value : answer.error)}, which no state of the policy allows`,
              ).toBe(false);
              if (wire.answered < statement) break;
            } finally {
              await checkerDb.close();
              await writerDb.close();
              await testDb.close();
            }
          }
        }
      }
    },
  );
});
