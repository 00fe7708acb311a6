/**
 * The reference against casbin's RBAC with domains and deny-override, on random histories of changes
 * that both can express, with every question of the run's vocabulary asked of both after every change.
 *
 * What both can express, and so what is generated:
 * - tenants as domains, two of them sharing every role and user name, ids in every shape the README
 *   allows (case, whitespace and normalisation variants side by side, punctuation, scripts, emoji);
 * - roles that inherit only roles earlier in the run's list, so no definition closes a cycle (casbin
 *   accepts cycles, the reference refuses them) and no path is longer than ten links, casbin's
 *   default limit (the reference has none): a run of ten roles reaches it exactly;
 * - definitions, redefinitions (casbin: the role's lines replaced), deletions (casbin: the role's
 *   lines and every link to or from it removed), assignments and revocations, repeated ones included;
 *   a change naming a role not defined at that moment is left out (the reference refuses it, casbin
 *   has nothing to refuse);
 * - allow and deny rules on resources with near misses (a case variant, a longer word, a dotted
 *   neighbour), actions with near misses, and whole-action wildcards;
 * - user ids apart from role names: casbin's `g` does not tell a user from a role.
 *
 * Every question is asked with `can` and with `explain`: the decision must be casbin's, and the role
 * and rule an explanation names must be a role casbin says the user reaches and a line of that role
 * in casbin's policy that matches the permission.
 *
 * Each history gets a fresh model and a fresh enforcer: a Model object reused across enforcers keeps
 * the lines of earlier policies. The seed is the kit's (fixed in `npm test`, new in every flake run).
 */
import fc from 'fast-check';
import { newEnforcer, newModelFromString, type Enforcer } from 'casbin';
import { describe, expect, test } from 'vitest';
import { createManualClock } from '../../harness/kit/clock.ts';
import { createTestDatabase } from '../../harness/kit/db/index.ts';
import { seedForCheck } from '../../harness/kit/seed.ts';
import { actionsArbitrary, idsArbitrary, resourcesArbitrary } from '../../katas/rbac/vocabulary.ts';
import { createRbac, type Rbac } from './index.ts';

const CASBIN_MODEL = `
[request_definition]
r = sub, dom, obj, act
[policy_definition]
p = sub, dom, obj, act, eft
[role_definition]
g = _, _, _
[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))
[matchers]
m = g(r.sub, p.sub, r.dom) && r.dom == p.dom && r.obj == p.obj && (p.act == "*" || r.act == p.act)
`;

/** Casbin's default role manager follows at most this many links from the user. */
const CASBIN_MAX_LINKS = 10;
const RUNS = 50;

interface RuleSpec {
  readonly deny: boolean;
  readonly resource: number;
  /** An index into the run's actions, or null for the wildcard. */
  readonly action: number | null;
}

type Change =
  | {
      readonly kind: 'define';
      readonly tenant: number;
      readonly role: number;
      readonly rules: readonly RuleSpec[];
      /** Indexes of roles; only defined roles earlier in the list are kept. */
      readonly parents: readonly number[];
      readonly omitInherits: boolean;
    }
  | { readonly kind: 'chain'; readonly tenant: number; readonly from: number; readonly rules: readonly RuleSpec[] }
  | { readonly kind: 'assign' | 'revoke'; readonly tenant: number; readonly user: number; readonly role: number }
  | { readonly kind: 'delete'; readonly tenant: number; readonly role: number };

interface Run {
  readonly tenants: readonly string[];
  readonly roles: readonly string[];
  readonly users: readonly string[];
  readonly resources: readonly string[];
  readonly actions: readonly string[];
  readonly cacheTtlMs: number;
  /** Changes made before the first survey. */
  readonly setup: readonly Change[];
  readonly changes: readonly Change[];
}

const ROLE_COUNT = CASBIN_MAX_LINKS;
const USER_COUNT = 3;
const TENANT_COUNT = 2;

const runArbitrary: fc.Arbitrary<Run> = fc
  .record({
    names: idsArbitrary(TENANT_COUNT + ROLE_COUNT + USER_COUNT),
    resources: resourcesArbitrary,
    actions: actionsArbitrary,
    cacheTtlMs: fc.constantFrom(0, 0, 5_000, Number.POSITIVE_INFINITY),
  })
  .chain(({ names, resources, actions, cacheTtlMs }) => {
    // Tenants, roles and users drawn together, so a role and a user may differ only by case.
    const tenants = names.slice(0, TENANT_COUNT);
    const roles = names.slice(TENANT_COUNT, TENANT_COUNT + ROLE_COUNT);
    const users = names.slice(TENANT_COUNT + ROLE_COUNT);
    const tenant = fc.nat(TENANT_COUNT - 1);
    const role = fc.nat(ROLE_COUNT - 1);
    const user = fc.nat(USER_COUNT - 1);
    const rule: fc.Arbitrary<RuleSpec> = fc.record({
      deny: fc.boolean(),
      resource: fc.nat(resources.length - 1),
      action: fc.option(fc.nat(actions.length - 1), { freq: 3 }),
    });
    const rules = fc.array(rule, { maxLength: 4 }).chain((list) =>
      // Sometimes a rule listed twice.
      fc.boolean().map((repeat) => (repeat && list.length > 0 ? [...list, list[0]!] : list)),
    );
    const change: fc.Arbitrary<Change> = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant('define' as const),
          tenant,
          role,
          rules,
          parents: fc.array(role, { maxLength: 3 }),
          omitInherits: fc.boolean(),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('chain' as const), tenant, from: role, rules }) },
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('assign' as const), tenant, user, role }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('revoke' as const), tenant, user, role }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), tenant, role }) },
    );
    // Every role of both tenants defined in order, each inheriting some earlier ones, and every user
    // holding some roles: the policy the changes then alter.
    const setup: fc.Arbitrary<Change[]> = fc
      .tuple(
        ...tenants.map((_, tenantIndex) =>
          fc.tuple(
            fc.tuple(
              ...roles.map((_, roleIndex) =>
                fc.record({
                  kind: fc.constant('define' as const),
                  tenant: fc.constant(tenantIndex),
                  role: fc.constant(roleIndex),
                  rules,
                  parents: fc.array(fc.nat(Math.max(0, roleIndex - 1)), { maxLength: roleIndex === 0 ? 0 : 2 }),
                  omitInherits: fc.boolean(),
                }),
              ),
            ),
            fc.array(
              fc.record({ kind: fc.constant('assign' as const), tenant: fc.constant(tenantIndex), user, role }),
              {
                maxLength: 6,
              },
            ),
          ),
        ),
      )
      .map((perTenant) => perTenant.flatMap(([definitions, assignments]) => [...definitions, ...assignments]));
    return fc.record({
      tenants: fc.constant(tenants),
      roles: fc.constant(roles),
      users: fc.constant(users),
      resources: fc.constant(resources),
      actions: fc.constant(actions),
      cacheTtlMs: fc.constant(cacheTtlMs),
      setup,
      changes: fc.array(change, { minLength: 1, maxLength: 16 }),
    });
  });

function ruleText(run: Run, rule: RuleSpec): string {
  const action = rule.action === null ? '*' : run.actions[rule.action]!;
  return `${rule.deny ? '!' : ''}${run.resources[rule.resource]!}:${action}`;
}

function casbinLine(run: Run, role: string, domain: string, rule: RuleSpec): string[] {
  const action = rule.action === null ? '*' : run.actions[rule.action]!;
  return [role, domain, run.resources[rule.resource]!, action, rule.deny ? 'deny' : 'allow'];
}

/** Both sides, and which roles exist in each tenant at this point of the run. */
interface Sides {
  readonly rbac: Rbac;
  readonly enforcer: Enforcer;
  readonly defined: readonly Set<number>[];
}

/** A change in words, for the failure message. */
function describeChange(run: Run, change: Change): string {
  const tenant = JSON.stringify(run.tenants[change.tenant]);
  const role = (index: number) => JSON.stringify(run.roles[index]);
  const rules = (list: readonly RuleSpec[]) => JSON.stringify(list.map((rule) => ruleText(run, rule)));
  switch (change.kind) {
    case 'define':
      return `define ${tenant} ${role(change.role)} ${rules(change.rules)} inherits [${change.parents.map(role).join(', ')}]${change.omitInherits && change.parents.length === 0 ? ' (omitted)' : ''}`;
    case 'chain':
      return `chain in ${tenant} from ${role(change.from)} up to ${role(ROLE_COUNT - 1)}, ${rules(change.rules)} at the bottom`;
    case 'assign':
    case 'revoke':
      return `${change.kind} ${tenant} ${JSON.stringify(run.users[change.user])} ${role(change.role)}`;
    case 'delete':
      return `delete ${tenant} ${role(change.role)}`;
  }
}

async function define(
  run: Run,
  sides: Sides,
  tenantIndex: number,
  roleIndex: number,
  rules: readonly RuleSpec[],
  parents: readonly number[],
  omitInherits: boolean,
) {
  const tenant = run.tenants[tenantIndex]!;
  const role = run.roles[roleIndex]!;
  const by = { by: 'differential' };
  const inherits = parents.map((parent) => run.roles[parent]!);
  await sides.rbac.defineRole(
    tenant,
    role,
    rules.map((rule) => ruleText(run, rule)),
    omitInherits && inherits.length === 0 ? by : { ...by, inherits },
  );
  // Casbin: the role's lines and outgoing links replaced. Users are never role names, so the links
  // whose first field is the role are the role's own.
  await sides.enforcer.removeFilteredPolicy(0, role, tenant);
  await sides.enforcer.removeFilteredGroupingPolicy(0, role, '', tenant);
  const lines = [
    ...new Map(
      rules.map((rule) => casbinLine(run, role, tenant, rule)).map((line) => [JSON.stringify(line), line]),
    ).values(),
  ];
  // addPolicies refuses a batch holding a line twice, so every line is given once.
  if (lines.length > 0) await sides.enforcer.addPolicies(lines);
  const links = [...new Set(inherits)].map((parent) => [role, parent, tenant]);
  if (links.length > 0) await sides.enforcer.addGroupingPolicies(links);
  sides.defined[tenantIndex]!.add(roleIndex);
}

/** Applies a change to both sides; returns false when it was left out (it names an undefined role). */
async function apply(run: Run, sides: Sides, change: Change): Promise<boolean> {
  const defined = sides.defined[change.tenant]!;
  const tenant = run.tenants[change.tenant]!;
  const by = { by: 'differential' };
  switch (change.kind) {
    case 'define': {
      const parents = change.parents.filter((parent) => parent < change.role && defined.has(parent));
      await define(run, sides, change.tenant, change.role, change.rules, parents, change.omitInherits);
      return true;
    }
    case 'chain': {
      // Every role from `from` up inherits the one before it: with `from` 0, a user holding the
      // last role reaches the first in exactly casbin's ten links.
      for (let index = change.from; index < ROLE_COUNT; index++) {
        const parents = index === change.from ? [] : [index - 1];
        await define(run, sides, change.tenant, index, index === change.from ? change.rules : [], parents, false);
      }
      return true;
    }
    case 'assign':
    case 'revoke': {
      if (!defined.has(change.role)) return false;
      const user = run.users[change.user]!;
      const role = run.roles[change.role]!;
      if (change.kind === 'assign') {
        await sides.rbac.assignRole(tenant, user, role, by);
        await sides.enforcer.addGroupingPolicy(user, role, tenant);
      } else {
        await sides.rbac.revokeRole(tenant, user, role, by);
        await sides.enforcer.removeGroupingPolicy(user, role, tenant);
      }
      return true;
    }
    case 'delete': {
      if (!defined.has(change.role)) return false;
      const role = run.roles[change.role]!;
      await sides.rbac.deleteRole(tenant, role, by);
      await sides.enforcer.removeFilteredPolicy(0, role, tenant);
      await sides.enforcer.removeFilteredGroupingPolicy(0, role, '', tenant);
      await sides.enforcer.removeFilteredGroupingPolicy(1, role, tenant);
      defined.delete(change.role);
      return true;
    }
  }
}

function ruleMatches(rule: string, resource: string, action: string): boolean {
  const allow = rule.startsWith('!') ? rule.slice(1) : rule;
  const colon = allow.indexOf(':');
  const ruleAction = allow.slice(colon + 1);
  return allow.slice(0, colon) === resource && (ruleAction === '*' || ruleAction === action);
}

let questions = 0;

/** Every question of the vocabulary, asked of both. */
async function survey(run: Run, sides: Sides, history: readonly string[]) {
  for (const tenant of run.tenants) {
    for (const user of run.users) {
      for (const resource of run.resources) {
        for (const action of run.actions) {
          questions++;
          const permission = `${resource}:${action}`;
          const where = `${JSON.stringify(user)} asks ${JSON.stringify(permission)} in ${JSON.stringify(tenant)} after:\n  ${history.join('\n  ')}\n`;
          const expected = (await sides.enforcer.enforce(user, tenant, resource, action)) as boolean;
          const granted = await sides.rbac.can(user, permission, { tenant });
          expect(granted, `can: casbin says ${expected}; ${where}`).toBe(expected);
          const explanation = await sides.rbac.explain(user, permission, { tenant });
          expect(explanation.granted, `explain: casbin says ${expected}; ${where}`).toBe(expected);
          if (explanation.reason === 'allowed' || explanation.reason === 'denied') {
            const { role, rule } = explanation;
            const deny = rule.startsWith('!');
            expect(deny, `explain names ${JSON.stringify(rule)} for ${explanation.reason}; ${where}`).toBe(
              explanation.reason === 'denied',
            );
            expect(ruleMatches(rule, resource, action), `explain names ${JSON.stringify(rule)}; ${where}`).toBe(true);
            const body = deny ? rule.slice(1) : rule;
            const colon = body.indexOf(':');
            const line = [role, tenant, body.slice(0, colon), body.slice(colon + 1), deny ? 'deny' : 'allow'];
            expect(
              await sides.enforcer.hasPolicy(...line),
              `explain names ${JSON.stringify(role)} ${JSON.stringify(rule)}, not a line of casbin's policy; ${where}`,
            ).toBe(true);
            expect(
              await sides.enforcer.getRoleManager().hasLink(user, role, tenant),
              `explain names ${JSON.stringify(role)}, a role casbin says the user does not reach; ${where}`,
            ).toBe(true);
          } else {
            // A user casbin gives no role in the tenant is 'no-roles'; one with roles, 'no-matching-rule'.
            const held = await sides.enforcer.getRolesForUserInDomain(user, tenant);
            expect(explanation.reason, `explain; casbin's roles for the user: ${JSON.stringify(held)}; ${where}`).toBe(
              held.length === 0 ? 'no-roles' : 'no-matching-rule',
            );
          }
        }
      }
    }
  }
}

async function check(run: Run) {
  const testDb = createTestDatabase({ synchronous: 'off' });
  try {
    const rbac = await createRbac({ db: testDb.db, now: createManualClock().now, cacheTtlMs: run.cacheTtlMs });
    // A new model and a new enforcer for every history.
    const enforcer = await newEnforcer(newModelFromString(CASBIN_MODEL));
    const sides: Sides = { rbac, enforcer, defined: run.tenants.map(() => new Set<number>()) };
    for (const tenant of run.tenants) await rbac.createTenant(tenant, { by: 'differential' });
    const history = [
      `tenants ${JSON.stringify(run.tenants)}, users ${JSON.stringify(run.users)}, cacheTtlMs ${run.cacheTtlMs}`,
    ];
    for (const change of run.setup) if (await apply(run, sides, change)) history.push(describeChange(run, change));
    await survey(run, sides, history);
    for (const change of run.changes) {
      if (!(await apply(run, sides, change))) continue;
      history.push(describeChange(run, change));
      await survey(run, sides, history);
    }
  } finally {
    await testDb.close();
  }
}

describe('rbac: the reference agrees with casbin (RBAC with domains, deny-override)', () => {
  test(`on ${RUNS} random histories of changes, every question after every change gets the same answer from both`, async () => {
    questions = 0;
    await fc.assert(fc.asyncProperty(runArbitrary, check), {
      numRuns: RUNS,
      seed: seedForCheck('rbac', 'casbin-differential'),
    });
    expect(questions).toBeGreaterThanOrEqual(RUNS * TENANT_COUNT * USER_COUNT * 2);
  }, 300_000);
});
