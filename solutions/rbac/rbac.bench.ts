/**
 * can() checks per second beside casbin's enforce() on the same policy, in the same run: one
 * tenant with 1,000 roles (chains of inheritance five deep, allow and deny rules, wildcards) and
 * 10,000 users holding two roles each. Before timing, every sampled question is asked of all
 * three and the answers must agree, so the numbers compare the same work.
 *
 * One iteration is one check; the questions rotate through 1,000 (user, permission) pairs, so a
 * warm cache serves repeats the way a busy service would.
 *
 * Where a PostgreSQL server can be had (the kit starts one, or KATA_PG_URL), the PostgreSQL
 * reference (postgres/index.ts) answers the same questions from the same policy on a PostgreSQL
 * TestDatabase with `deterministic: false` (statements sent at once: real timing, no sequencer).
 * Its policy is written with bulk INSERTs into its own tables: 21,000 changes through the API,
 * each a transaction of several round trips, would take minutes and measure nothing asked here.
 * A second group times changes: 8 assignRole/revokeRole calls at once in one tenant, on both
 * engines, where SQLite's single writer and PostgreSQL's tenant row lock each make them queue.
 */
import { newCachedEnforcer, newEnforcer, newModelFromString, type Enforcer } from 'casbin';
import { afterAll, bench, describe } from 'vitest';
import { createManualClock } from '../../harness/kit/clock.ts';
import {
  createTestDatabase,
  openTestDatabase,
  probePostgres,
  type Database,
  type TestDatabase,
} from '../../harness/kit/db/index.ts';
import { createRbac as reference, type Rbac } from './index.ts';
import { createRbac as postgresReference } from './postgres/index.ts';
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

/** The same policy as seed(), written straight into the PostgreSQL reference's tables in a few statements. */
async function seedPostgres(db: Database): Promise<void> {
  const roles: string[] = [];
  const rules: [string, string][] = [];
  const links: [string, string][] = [];
  for (let index = 0; index < ROLES; index++) {
    const { rules: own, inherits } = roleDefinition(index);
    roles.push(`role-${index}`);
    for (const rule of own) rules.push([`role-${index}`, rule]);
    for (const parent of inherits) links.push([`role-${index}`, parent]);
  }
  const held: [string, string][] = [];
  for (let user = 0; user < USERS; user++) for (const role of heldBy(user)) held.push([`user-${user}`, role]);
  await db.run('INSERT INTO rbac_tenants (tenant) VALUES ($1)', TENANT);
  await db.run(
    'INSERT INTO rbac_roles (tenant, role) SELECT $1::text, role FROM json_array_elements_text($2::json) AS given(role)',
    TENANT,
    JSON.stringify(roles),
  );
  const pairs = (table: string, columns: string, rows: [string, string][]) =>
    db.run(
      `INSERT INTO ${table} (tenant, ${columns}) SELECT $1::text, pair->>0, pair->>1 FROM json_array_elements($2::json) AS pair`,
      TENANT,
      JSON.stringify(rows),
    );
  await pairs('rbac_rules', 'role, rule', rules);
  await pairs('rbac_inherits', 'role, parent', links);
  await pairs('rbac_assignments', 'user_id, role', held);
  await db.exec('ANALYZE');
}

const postgres = probePostgres();
if (!postgres.ok) console.warn(`rbac bench: no PostgreSQL (${postgres.reason}); SQLite only`);

async function openPostgres(): Promise<{ uncached: Rbac; cached: Rbac; changes: Rbac }> {
  const testDb = createTestDatabase({ engine: 'postgres', deterministic: false });
  databases.push(testDb);
  const uncached = await postgresReference({ db: testDb.db, now: clock.now, cacheTtlMs: 0 });
  await seedPostgres(testDb.db);
  const cachedDb = openTestDatabase(testDb.location, { deterministic: false });
  databases.push(cachedDb);
  const cached = await postgresReference({ db: cachedDb.db, now: clock.now, cacheTtlMs: 60_000 });
  const changesDb = createTestDatabase({ engine: 'postgres', deterministic: false });
  databases.push(changesDb);
  return {
    uncached,
    cached,
    changes: await postgresReference({ db: changesDb.db, now: clock.now, cacheTtlMs: 0 }),
  };
}

const referenceUncached = await open(reference, 0);
await referenceUncached.seedIt();
const referenceCached = await reopen(reference, referenceUncached.file, 60_000);
const snapshotUncached = await open(snapshot, 0);
await snapshotUncached.seedIt();
const snapshotCached = await reopen(snapshot, snapshotUncached.file, 60_000);
const onPostgres = postgres.ok ? await openPostgres() : undefined;
const enforcer = await casbinEnforcer(newEnforcer);
// Casbin's own decision cache, keyed by the request; it is dropped wholesale on any policy change.
const cachedEnforcer = await casbinEnforcer(newCachedEnforcer);

let disagreements = 0;
for (const { user, permission } of questions) {
  const [resource, action] = permission.split(':');
  // Asking the cached enforcer also warms its cache for the benchmark below.
  const expected = await cachedEnforcer.enforce(user, TENANT, resource, action);
  for (const rbac of [referenceUncached.rbac, snapshotUncached.rbac, ...(onPostgres ? [onPostgres.uncached] : [])]) {
    if ((await rbac.can(user, permission, { tenant: TENANT })) !== expected) disagreements++;
  }
}
if (disagreements > 0) throw new Error(`${disagreements} answers disagree with casbin's on the same policy`);
// The cached instances answer every question once, so their benchmarks run warm from the first iteration.
for (const rbac of [referenceCached, snapshotCached, ...(onPostgres ? [onPostgres.cached] : [])]) {
  for (const { user, permission } of questions) await rbac.can(user, permission, { tenant: TENANT });
}

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
  if (onPostgres) {
    bench('postgres reference: one recursive query per check (cacheTtlMs 0)', ask(onPostgres.uncached));
    bench('postgres reference: cached per user (cacheTtlMs 60000, warm)', ask(onPostgres.cached));
  }
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

/** A fresh tenant with one role; each iteration assigns it to 8 users at once, then revokes it from them at once. */
async function changeRound(rbac: Rbac): Promise<() => Promise<void>> {
  await rbac.createTenant('churn', by);
  await rbac.defineRole('churn', 'temp', ['doc:view'], by);
  const users = Array.from({ length: 8 }, (_, index) => `churner-${index}`);
  return async () => {
    await Promise.all(users.map((user) => rbac.assignRole('churn', user, 'temp', by)));
    await Promise.all(users.map((user) => rbac.revokeRole('churn', user, 'temp', by)));
  };
}

const sqliteChanges = await changeRound((await open(reference, 0)).rbac);
const postgresChanges = onPostgres ? await changeRound(onPostgres.changes) : undefined;

describe('16 changes per iteration: 8 assignRole at once, then 8 revokeRole at once, one tenant', () => {
  bench('reference on SQLite (IMMEDIATE transactions, one writer)', sqliteChanges);
  if (postgresChanges) bench('postgres reference (tenant row FOR UPDATE, READ COMMITTED)', postgresChanges);
});
