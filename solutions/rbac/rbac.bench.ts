/**
 * can() checks per second beside casbin's enforce() on the same policy, in the same run: one
 * tenant with 1,000 roles (chains of inheritance five deep, allow and deny rules, wildcards) and
 * 10,000 users holding two roles each. Before timing, every sampled question is asked of all
 * three and the answers must agree, so the numbers compare the same work.
 *
 * One iteration is one check; the questions rotate through 1,000 (user, permission) pairs, so a
 * warm cache serves repeats the way a busy service would.
 */
import { newCachedEnforcer, newEnforcer, newModelFromString, type Enforcer } from 'casbin';
import { afterAll, bench, describe } from 'vitest';
import { createManualClock } from '../../harness/kit/clock.ts';
import { createTestDatabase, openTestDatabase, type TestDatabase } from '../../harness/kit/db/index.ts';
import { createRbac as reference, type Rbac } from './index.ts';
import { createRbac as snapshot } from './variants/tenant-snapshot.ts';

const TENANT = 'acme';
const ROLES = 1_000;
const USERS = 10_000;
const RESOURCES = 50;
const by = { by: 'bench' };

/** Role i inherits role i - 1 inside chains of five, so no path is longer than casbin's 10 links. */
function roleDefinition(index: number): { rules: string[]; inherits: string[] } {
  const rules = [`doc-${index}:view`, `res-${index % RESOURCES}:${index % 3 === 0 ? '*' : 'view'}`];
  if (index % 25 === 0) rules.push(`!res-${(index + 1) % RESOURCES}:edit`);
  return { rules, inherits: index % 5 === 0 ? [] : [`role-${index - 1}`] };
}

function heldBy(user: number): string[] {
  return [...new Set([`role-${(user * 7) % ROLES}`, `role-${(user * 13 + 1) % ROLES}`])];
}

const questions = Array.from({ length: 1_000 }, (_, index) => ({
  user: `user-${(index * 37) % USERS}`,
  permission: index % 2 === 0 ? `res-${index % RESOURCES}:edit` : `doc-${(index * 11) % ROLES}:view`,
}));

async function seed(rbac: Rbac): Promise<void> {
  await rbac.createTenant(TENANT, by);
  for (let index = 0; index < ROLES; index++) {
    const { rules, inherits } = roleDefinition(index);
    await rbac.defineRole(TENANT, `role-${index}`, rules, { ...by, inherits });
  }
  for (let user = 0; user < USERS; user++) {
    for (const role of heldBy(user)) await rbac.assignRole(TENANT, `user-${user}`, role, by);
  }
}

async function casbinEnforcer(create: typeof newEnforcer): Promise<Enforcer> {
  const enforcer = await create(
    newModelFromString(`
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
    `),
  );
  const policies: string[][] = [];
  const groupings: string[][] = [];
  for (let index = 0; index < ROLES; index++) {
    const { rules, inherits } = roleDefinition(index);
    for (const rule of rules) {
      const deny = rule.startsWith('!');
      const [resource, action] = rule.replace(/^!/, '').split(':') as [string, string];
      policies.push([`role-${index}`, TENANT, resource, action, deny ? 'deny' : 'allow']);
    }
    for (const parent of inherits) groupings.push([`role-${index}`, parent, TENANT]);
  }
  for (let user = 0; user < USERS; user++) {
    for (const role of heldBy(user)) groupings.push([`user-${user}`, role, TENANT]);
  }
  await enforcer.addPolicies(policies);
  await enforcer.addGroupingPolicies(groupings);
  return enforcer;
}

const databases: TestDatabase[] = [];
const clock = createManualClock();

async function open(
  create: typeof reference,
  cacheTtlMs: number,
): Promise<{ rbac: Rbac; file: string; seedIt: () => Promise<void> }> {
  const testDb = createTestDatabase();
  databases.push(testDb);
  const rbac = await create({ db: testDb.db, now: clock.now, cacheTtlMs });
  return { rbac, file: testDb.file, seedIt: () => seed(rbac) };
}

/** A second instance on an already seeded file, with its own cache setting. */
async function reopen(create: typeof reference, file: string, cacheTtlMs: number): Promise<Rbac> {
  const testDb = openTestDatabase(file);
  databases.push(testDb);
  return create({ db: testDb.db, now: clock.now, cacheTtlMs });
}

const referenceUncached = await open(reference, 0);
await referenceUncached.seedIt();
const referenceCached = await reopen(reference, referenceUncached.file, 60_000);
const snapshotUncached = await open(snapshot, 0);
await snapshotUncached.seedIt();
const snapshotCached = await reopen(snapshot, snapshotUncached.file, 60_000);
const enforcer = await casbinEnforcer(newEnforcer);
// Casbin's own decision cache, keyed by the request; it is dropped wholesale on any policy change.
const cachedEnforcer = await casbinEnforcer(newCachedEnforcer);

let disagreements = 0;
for (const { user, permission } of questions) {
  const [resource, action] = permission.split(':');
  // Asking the cached enforcer also warms its cache for the benchmark below.
  const expected = await cachedEnforcer.enforce(user, TENANT, resource, action);
  for (const rbac of [referenceUncached.rbac, snapshotUncached.rbac]) {
    if ((await rbac.can(user, permission, { tenant: TENANT })) !== expected) disagreements++;
  }
}
if (disagreements > 0) throw new Error(`${disagreements} answers disagree with casbin's on the same policy`);

afterAll(async () => {
  for (const testDb of databases) await testDb.close();
});

let turn = 0;
const next = () => questions[turn++ % questions.length]!;
const ask = (rbac: Rbac) => () => {
  const { user, permission } = next();
  return rbac.can(user, permission, { tenant: TENANT }).then(() => undefined);
};

describe(`can() on ${ROLES} roles and ${USERS} users, beside casbin`, () => {
  bench('reference: one recursive query per check (cacheTtlMs 0)', ask(referenceUncached.rbac));
  bench('reference: cached per user (cacheTtlMs 60000, warm)', ask(referenceCached));
  bench('variant tenant-snapshot: version check + roles per check (cacheTtlMs 0)', ask(snapshotUncached.rbac));
  bench('variant tenant-snapshot: cached (cacheTtlMs 60000, warm)', ask(snapshotCached));
  bench('casbin 5 enforce(), RBAC with domains, in memory', async () => {
    const { user, permission } = next();
    const [resource, action] = permission.split(':');
    await enforcer.enforce(user, TENANT, resource, action);
  });
  bench('casbin 5 CachedEnforcer enforce() (warm)', async () => {
    const { user, permission } = next();
    const [resource, action] = permission.split(':');
    await cachedEnforcer.enforce(user, TENANT, resource, action);
  });
  bench('casbin 5 enforceSync()', () => {
    const { user, permission } = next();
    const [resource, action] = permission.split(':');
    enforcer.enforceSync(user, TENANT, resource, action);
  });
});
