/**
 * Reference solution: RBAC with tenant isolation on a shared SQLite database.
 *
 * - Every table and every query carries the tenant, so isolation is structural, not a filter
 *   someone can forget.
 * - A decision reads the user's whole policy (held roles, inherited roles, their rules) in ONE
 *   recursive statement, so it sees a single snapshot; UNION (not UNION ALL) stops the recursion on
 *   roles already reached, which handles diamonds in the data without any depth limit.
 * - Changes run in IMMEDIATE transactions: the cycle check and the write cannot be split by
 *   another writer, on this instance or any other.
 * - The cache holds one policy per (tenant, user), stamped with now() before the read. This
 *   instance's own changes clear it after commit and bump a generation counter, so a read that
 *   began before the change can never store its stale answer. Other instances' changes are
 *   honoured through expiry alone: cacheTtlMs is the documented staleness bound.
 */
import type { Database, Queryable } from '../../harness/kit/db/types.ts';

export interface RbacOptions {
  readonly db: Database;
  readonly now?: () => number;
  readonly cacheTtlMs?: number;
}

export interface ChangeOptions {
  readonly by: string;
}

export interface DefineRoleOptions extends ChangeOptions {
  readonly inherits?: readonly string[];
}

export interface CheckOptions {
  readonly tenant: string;
}

export type Explanation =
  | {
      readonly granted: true;
      readonly reason: 'allowed';
      readonly role: string;
      readonly rule: string;
      readonly path: readonly string[];
    }
  | {
      readonly granted: false;
      readonly reason: 'denied';
      readonly role: string;
      readonly rule: string;
      readonly path: readonly string[];
    }
  | { readonly granted: false; readonly reason: 'no-matching-rule' }
  | { readonly granted: false; readonly reason: 'no-roles' };

export type AuditAction = 'tenant.create' | 'role.define' | 'role.delete' | 'role.assign' | 'role.revoke';

export interface AuditEntry {
  readonly at: number;
  readonly by: string;
  readonly tenant: string;
  readonly action: AuditAction;
  readonly role?: string;
  readonly userId?: string;
  readonly permissions?: readonly string[];
  readonly inherits?: readonly string[];
  readonly outcome: 'applied' | 'rejected';
  readonly error?: string;
}

export interface Rbac {
  createTenant(tenant: string, options: ChangeOptions): Promise<void>;
  defineRole(tenant: string, role: string, permissions: readonly string[], options: DefineRoleOptions): Promise<void>;
  deleteRole(tenant: string, role: string, options: ChangeOptions): Promise<void>;
  assignRole(tenant: string, userId: string, role: string, options: ChangeOptions): Promise<void>;
  revokeRole(tenant: string, userId: string, role: string, options: ChangeOptions): Promise<void>;
  can(userId: string, permission: string, options: CheckOptions): Promise<boolean>;
  explain(userId: string, permission: string, options: CheckOptions): Promise<Explanation>;
  auditLog(tenant: string): Promise<AuditEntry[]>;
}

/** Each error's `name` is its class's, so a stack trace or a log line says which one it is. */
class RbacError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class UnknownTenantError extends RbacError {
  readonly code = 'ERR_RBAC_UNKNOWN_TENANT';

  constructor(readonly tenant: string) {
    super(`unknown tenant ${JSON.stringify(tenant)}: create it with createTenant first`);
  }
}

export class UnknownRoleError extends RbacError {
  readonly code = 'ERR_RBAC_UNKNOWN_ROLE';

  constructor(
    readonly tenant: string,
    readonly role: string,
  ) {
    super(`unknown role ${JSON.stringify(role)} in tenant ${JSON.stringify(tenant)}`);
  }
}

export class RoleCycleError extends RbacError {
  readonly code = 'ERR_RBAC_ROLE_CYCLE';

  constructor(
    readonly tenant: string,
    readonly cycle: readonly string[],
  ) {
    super(
      `role ${JSON.stringify(cycle[0])} in tenant ${JSON.stringify(tenant)} would inherit itself: ${JSON.stringify(cycle)}`,
    );
  }
}

export class TenantExistsError extends RbacError {
  readonly code = 'ERR_RBAC_TENANT_EXISTS';

  constructor(readonly tenant: string) {
    super(`tenant ${JSON.stringify(tenant)} already exists`);
  }
}

/** Errors that refuse a change for a policy reason: the refusal is audited. */
export type RefusalError = UnknownRoleError | RoleCycleError | TenantExistsError;

export const SCHEMA = `
  CREATE TABLE IF NOT EXISTS rbac_tenants (tenant TEXT PRIMARY KEY) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS rbac_roles (
    tenant TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (tenant, role)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS rbac_rules (
    tenant TEXT NOT NULL, role TEXT NOT NULL, rule TEXT NOT NULL, PRIMARY KEY (tenant, role, rule)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS rbac_inherits (
    tenant TEXT NOT NULL, role TEXT NOT NULL, parent TEXT NOT NULL, PRIMARY KEY (tenant, role, parent)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS rbac_inherits_by_parent ON rbac_inherits (tenant, parent);
  CREATE TABLE IF NOT EXISTS rbac_assignments (
    tenant TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (tenant, user_id, role)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS rbac_assignments_by_role ON rbac_assignments (tenant, role);
  CREATE TABLE IF NOT EXISTS rbac_audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    at INTEGER NOT NULL,
    by TEXT NOT NULL,
    action TEXT NOT NULL,
    role TEXT,
    user_id TEXT,
    permissions TEXT,
    inherits TEXT,
    outcome TEXT NOT NULL,
    error TEXT
  );
  CREATE INDEX IF NOT EXISTS rbac_audit_by_tenant ON rbac_audit (tenant, seq);
`;

/**
 * Everything that decides one user's access in one tenant, read in a single statement so that it
 * is one snapshot. `reach` is the held roles plus every ancestor; UNION drops roles already reached,
 * so diamonds cost nothing and the recursion has no depth limit. CROSS JOIN keeps `reach` as the
 * outer loop, so every step is a primary-key lookup by (tenant, role) rather than a walk over the
 * whole tenant's rules or links.
 */
export const POLICY_SQL = `
  WITH RECURSIVE reach(role) AS (
    SELECT role FROM rbac_assignments WHERE tenant = :tenant AND user_id = :user
    UNION
    SELECT link.parent FROM reach CROSS JOIN rbac_inherits link ON link.tenant = :tenant AND link.role = reach.role
  )
  SELECT 'tenant' AS kind, tenant AS role, NULL AS value FROM rbac_tenants WHERE tenant = :tenant
  UNION ALL
  SELECT 'held', role, NULL FROM rbac_assignments WHERE tenant = :tenant AND user_id = :user
  UNION ALL
  SELECT 'rule', reach.role, granted.rule
    FROM reach CROSS JOIN rbac_rules granted ON granted.tenant = :tenant AND granted.role = reach.role
  UNION ALL
  SELECT 'link', reach.role, link.parent
    FROM reach CROSS JOIN rbac_inherits link ON link.tenant = :tenant AND link.role = reach.role
`;

/** Roles reachable upwards from the given ones, with their links: what a cycle check must walk. */
const ANCESTOR_LINKS_SQL = `
  WITH RECURSIVE up(role) AS (
    SELECT value FROM json_each(:roles)
    UNION
    SELECT link.parent FROM up CROSS JOIN rbac_inherits link ON link.tenant = :tenant AND link.role = up.role
  )
  SELECT link.role, link.parent FROM up CROSS JOIN rbac_inherits link ON link.tenant = :tenant AND link.role = up.role
`;

/** What a lookup in a role -> list map gives for a role with no entry. */
const NONE: readonly string[] = Object.freeze([]);

/** Most (tenant, user) policies an instance keeps; the oldest is dropped first. */
export const CACHE_LIMIT = 10_000;

const SEGMENT = /^[A-Za-z0-9_.-]+$/;

export interface Policy {
  readonly held: readonly string[];
  readonly rules: ReadonlyMap<string, readonly string[]>;
  readonly links: ReadonlyMap<string, readonly string[]>;
}

export interface CachedPolicy {
  readonly policy: Policy;
  /** now() before the read began: the entry is as old as the snapshot could be. */
  readonly readAt: number;
}

export interface AuditRecord {
  readonly tenant: string;
  readonly by: string;
  readonly action: AuditAction;
  readonly role?: string;
  readonly userId?: string;
  readonly permissions?: readonly string[];
  readonly inherits?: readonly string[];
}

export interface AuditRow {
  tenant: string;
  at: number;
  by: string;
  action: AuditAction;
  role: string | null;
  user_id: string | null;
  permissions: string | null;
  inherits: string | null;
  outcome: 'applied' | 'rejected';
  error: string | null;
}

export async function createRbac(options: RbacOptions): Promise<Rbac> {
  return SqlRbac.open(options);
}

// The service. Members are protected, not private, so the wrong/ gallery can break one at a time.
export class SqlRbac implements Rbac {
  protected readonly cache = new Map<string, CachedPolicy>();
  /** Bumped after each change this instance commits; a read that began under an older value is not cached. */
  protected generation = 0;

  protected constructor(
    protected readonly db: Database,
    protected readonly now: () => number,
    protected readonly cacheTtlMs: number,
  ) {}

  /** Validates the options, creates the schema and returns a ready instance of this class. */
  static async open(options: RbacOptions): Promise<Rbac> {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`createRbac(options): options must be an object, received ${describe(options)}`);
    }
    const { db, now = Date.now, cacheTtlMs = 0 } = options;
    if (typeof db !== 'object' || db === null || typeof db.transaction !== 'function') {
      throw new TypeError(`createRbac(options): options.db must be a database handle, received ${describe(db)}`);
    }
    if (typeof now !== 'function') {
      throw new TypeError(`createRbac(options): options.now must be a function, received ${describe(now)}`);
    }
    // Any number from 0 up, Infinity included (this instance then only ever sees its own changes at once).
    if (typeof cacheTtlMs !== 'number' || Number.isNaN(cacheTtlMs) || cacheTtlMs < 0) {
      throw new RangeError(
        `createRbac(options): options.cacheTtlMs must be a number >= 0, received ${describe(cacheTtlMs)}`,
      );
    }
    const rbac = new this(db, now, cacheTtlMs);
    await rbac.migrate();
    return rbac;
  }

  protected async migrate(): Promise<void> {
    await this.db.transaction((tx) => tx.exec(SCHEMA), { mode: 'immediate' });
  }

  async createTenant(tenant: string, options: ChangeOptions): Promise<void> {
    requireId('tenant', tenant);
    const by = requireBy(options);
    await this.change({ tenant, by, action: 'tenant.create' }, async (tx) => {
      const inserted = await tx.run('INSERT OR IGNORE INTO rbac_tenants (tenant) VALUES (?)', tenant);
      if (inserted.changes === 0) throw new TenantExistsError(tenant);
    });
  }

  async defineRole(
    tenant: string,
    role: string,
    permissions: readonly string[],
    options: DefineRoleOptions,
  ): Promise<void> {
    requireId('tenant', tenant);
    requireId('role', role);
    if (!Array.isArray(permissions)) {
      throw new TypeError(`defineRole: permissions must be an array of rules, received ${describe(permissions)}`);
    }
    permissions.forEach((rule, index) => this.checkRule(rule, `permissions[${index}]`));
    const by = requireBy(options);
    // Omitted means no inheritance; anything else given must be an array of role names (null included).
    const given: unknown = options.inherits;
    if (given !== undefined && !Array.isArray(given)) {
      throw new TypeError(`defineRole: options.inherits must be an array of role names, received ${describe(given)}`);
    }
    const inherits = (given ?? []) as readonly string[];
    inherits.forEach((parent, index) => requireId(`options.inherits[${index}]`, parent));
    const audit: AuditRecord = {
      tenant,
      by,
      action: 'role.define',
      role,
      permissions: [...permissions],
      // The audit entry records the option as given: absent when it was left out.
      ...(given === undefined ? {} : { inherits: [...inherits] }),
    };
    await this.applyDefinition(audit, tenant, role, permissions, [...new Set(inherits)]);
  }

  /** The validated definition: the cycle check and the write share one IMMEDIATE transaction. */
  protected async applyDefinition(
    audit: AuditRecord,
    tenant: string,
    role: string,
    permissions: readonly string[],
    parents: readonly string[],
  ): Promise<void> {
    await this.change(audit, async (tx) => {
      await requireTenant(tx, tenant);
      // The role itself need not exist yet: naming it is a cycle, reported below.
      for (const parent of parents) if (parent !== role) await requireRole(tx, tenant, parent);
      const cycle = await this.findCycle(tx, tenant, role, parents);
      if (cycle) throw new RoleCycleError(tenant, cycle);
      await writeRole(tx, tenant, role, permissions, parents);
    });
  }

  /** The path role -> parent -> ... -> role that inheriting `parents` would close, if any. */
  protected async findCycle(
    tx: Queryable,
    tenant: string,
    role: string,
    parents: readonly string[],
  ): Promise<string[] | undefined> {
    return parents.includes(role) ? [role, role] : await findCycle(tx, tenant, role, parents);
  }

  async deleteRole(tenant: string, role: string, options: ChangeOptions): Promise<void> {
    requireId('tenant', tenant);
    requireId('role', role);
    const by = requireBy(options);
    await this.change({ tenant, by, action: 'role.delete', role }, async (tx) => {
      await requireTenant(tx, tenant);
      await requireRole(tx, tenant, role);
      await this.removeRole(tx, tenant, role);
    });
  }

  /** Deletes the role with everything that refers to it: assignments, links either way, rules. */
  protected async removeRole(tx: Queryable, tenant: string, role: string): Promise<void> {
    await tx.run('DELETE FROM rbac_assignments WHERE tenant = ? AND role = ?', tenant, role);
    await tx.run('DELETE FROM rbac_inherits WHERE tenant = ? AND (role = ? OR parent = ?)', tenant, role, role);
    await tx.run('DELETE FROM rbac_rules WHERE tenant = ? AND role = ?', tenant, role);
    await tx.run('DELETE FROM rbac_roles WHERE tenant = ? AND role = ?', tenant, role);
  }

  async assignRole(tenant: string, userId: string, role: string, options: ChangeOptions): Promise<void> {
    requireId('tenant', tenant);
    requireId('userId', userId);
    requireId('role', role);
    const by = requireBy(options);
    await this.change({ tenant, by, action: 'role.assign', role, userId }, async (tx) => {
      await requireTenant(tx, tenant);
      await this.assign(tx, tenant, userId, role);
    });
  }

  protected async assign(tx: Queryable, tenant: string, userId: string, role: string): Promise<void> {
    await requireRole(tx, tenant, role);
    await tx.run(
      'INSERT OR IGNORE INTO rbac_assignments (tenant, user_id, role) VALUES (?, ?, ?)',
      tenant,
      userId,
      role,
    );
  }

  async revokeRole(tenant: string, userId: string, role: string, options: ChangeOptions): Promise<void> {
    requireId('tenant', tenant);
    requireId('userId', userId);
    requireId('role', role);
    const by = requireBy(options);
    await this.change({ tenant, by, action: 'role.revoke', role, userId }, async (tx) => {
      await requireTenant(tx, tenant);
      await this.revoke(tx, tenant, userId, role);
    });
  }

  protected async revoke(tx: Queryable, tenant: string, userId: string, role: string): Promise<void> {
    await requireRole(tx, tenant, role);
    await tx.run('DELETE FROM rbac_assignments WHERE tenant = ? AND user_id = ? AND role = ?', tenant, userId, role);
  }

  async can(userId: string, permission: string, options: CheckOptions): Promise<boolean> {
    return (await this.explain(userId, permission, options)).granted;
  }

  async explain(userId: string, permission: string, options: CheckOptions): Promise<Explanation> {
    requireId('userId', userId);
    this.checkPermission(permission);
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options must be an object with a tenant, received ${describe(options)}`);
    }
    requireId('options.tenant', options.tenant);
    return this.decide(await this.policy(options.tenant, userId), permission);
  }

  async auditLog(tenant: string): Promise<AuditEntry[]> {
    requireId('tenant', tenant);
    const rows = await this.db.transaction(async (tx) => {
      await requireTenant(tx, tenant);
      return this.readAudit(tx, tenant);
    });
    return rows.map(toAuditEntry);
  }

  protected readAudit(tx: Queryable, tenant: string): Promise<AuditRow[]> {
    return tx.all<AuditRow>(
      `SELECT tenant, at, by, action, role, user_id, permissions, inherits, outcome, error
         FROM rbac_audit WHERE tenant = ? ORDER BY seq`,
      tenant,
    );
  }

  /** The user's policy, from the cache while it is fresh, else from one snapshot of the database. */
  protected async policy(tenant: string, userId: string): Promise<Policy> {
    const key = this.cacheKey(tenant, userId);
    const startedAt = this.now();
    const cached = this.cached(key, startedAt);
    if (cached !== undefined) return cached;
    const generation = this.generation;
    const policy = await this.readPolicy(tenant, userId);
    if (this.cacheTtlMs > 0 && this.unchangedSince(generation)) {
      this.cache.delete(key);
      this.cache.set(key, { policy, readAt: startedAt });
      if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    }
    return policy;
  }

  protected cacheKey(tenant: string, userId: string): string {
    return JSON.stringify([tenant, userId]);
  }

  /** The cached policy if it was read less than cacheTtlMs before `startedAt`. */
  protected cached(key: string, startedAt: number): Policy | undefined {
    const cached = this.cache.get(key);
    if (cached !== undefined && startedAt - cached.readAt < this.cacheTtlMs) return cached.policy;
    return undefined;
  }

  /** Whether no change of this instance committed since `generation` was read: only then may a read be cached. */
  protected unchangedSince(generation: number): boolean {
    return generation === this.generation;
  }

  protected readPolicy(tenant: string, userId: string): Promise<Policy> {
    return readPolicy(this.db, tenant, userId);
  }

  /**
   * Applies one change in an IMMEDIATE transaction together with its audit entry. A refused change
   * rolls back, and its audit entry is written afterwards so the rollback cannot take it along.
   */
  protected async change(record: AuditRecord, apply: (tx: Queryable) => Promise<void>): Promise<void> {
    const at = this.now();
    try {
      await this.db.transaction(
        async (tx) => {
          await apply(tx);
          await insertAudit(tx, record, at, 'applied', null);
        },
        { mode: 'immediate' },
      );
    } catch (error) {
      if (isRefusal(error)) await insertAudit(this.db, record, at, 'rejected', error.code);
      throw error;
    }
    this.invalidate();
  }

  /**
   * Called after commit: a check that starts from here on reads the new state, and no read that
   * began before the change may store its answer.
   */
  protected invalidate(): void {
    this.generation++;
    this.cache.clear();
  }

  /** Throws unless the value is a rule: [!]resource:action or [!]resource:*. */
  protected checkRule(value: unknown, name: string): void {
    parseRule(value, name);
  }

  /** Throws unless the value is a concrete permission: resource:action, no wildcard, no '!'. */
  protected checkPermission(value: unknown): void {
    parsePermission(value);
  }

  /** Deny beats allow beats nothing. The walk is breadth-first so each path is a shortest one. */
  protected decide(policy: Policy, permission: string): Explanation {
    if (policy.held.length === 0) return { granted: false, reason: 'no-roles' };
    const cameFrom = new Map<string, string | null>(policy.held.map((role) => [role, null]));
    const queue = [...policy.held];
    let allow: { role: string; rule: string } | undefined;
    // for...of over an array visits the entries pushed during the walk too.
    for (const role of queue) {
      for (const rule of policy.rules.get(role) ?? NONE) {
        if (!this.ruleMatches(rule, permission)) continue;
        if (rule.startsWith('!')) return { granted: false, reason: 'denied', role, rule, path: pathTo(cameFrom, role) };
        allow ??= { role, rule };
      }
      for (const parent of policy.links.get(role) ?? NONE) {
        if (cameFrom.has(parent)) continue;
        cameFrom.set(parent, role);
        queue.push(parent);
      }
    }
    if (allow) return { granted: true, reason: 'allowed', ...allow, path: pathTo(cameFrom, allow.role) };
    return { granted: false, reason: 'no-matching-rule' };
  }

  /** Whole segments only: 'attendance:*' covers 'attendance:edit', never 'attendance-admin:edit'. */
  protected ruleMatches(rule: string, permission: string): boolean {
    const [ruleResource, ruleAction] = (rule.startsWith('!') ? rule.slice(1) : rule).split(':');
    const [resource, action] = permission.split(':');
    return resource === ruleResource && (ruleAction === '*' || action === ruleAction);
  }
}

/** Replaces the role's rules and links with the given ones, creating the role if it is new. */
export async function writeRole(
  tx: Queryable,
  tenant: string,
  role: string,
  permissions: readonly string[],
  parents: readonly string[],
): Promise<void> {
  await tx.run('INSERT OR IGNORE INTO rbac_roles (tenant, role) VALUES (?, ?)', tenant, role);
  await tx.run('DELETE FROM rbac_rules WHERE tenant = ? AND role = ?', tenant, role);
  await tx.run('DELETE FROM rbac_inherits WHERE tenant = ? AND role = ?', tenant, role);
  for (const rule of new Set(permissions)) {
    await tx.run('INSERT INTO rbac_rules (tenant, role, rule) VALUES (?, ?, ?)', tenant, role, rule);
  }
  for (const parent of parents) {
    await tx.run('INSERT INTO rbac_inherits (tenant, role, parent) VALUES (?, ?, ?)', tenant, role, parent);
  }
}

export async function readPolicy(db: Queryable, tenant: string, userId: string, sql = POLICY_SQL): Promise<Policy> {
  const rows = await db.all<{ kind: string; role: string; value: string | null }>(sql, {
    tenant,
    user: userId,
  });
  // Every row is of this tenant, and a tenant that exists contributes a row of its own.
  if (rows.length === 0) throw new UnknownTenantError(tenant);
  const held: string[] = [];
  const rules = new Map<string, string[]>();
  const links = new Map<string, string[]>();
  const push = (map: Map<string, string[]>, key: string, value: string): void => {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };
  for (const row of rows) {
    if (row.kind === 'held') held.push(row.role);
    else if (row.kind === 'rule') push(rules, row.role, row.value!);
    else if (row.kind === 'link') push(links, row.role, row.value!);
  }
  return { held, rules, links };
}

export function pathTo(cameFrom: ReadonlyMap<string, string | null>, role: string): string[] {
  const path = [role];
  for (let previous = cameFrom.get(role); previous != null; previous = cameFrom.get(previous)) path.unshift(previous);
  return path;
}

/** The path role -> parent -> ... -> role that inheriting `parents` would close, if any. */
export async function findCycle(
  tx: Queryable,
  tenant: string,
  role: string,
  parents: readonly string[],
): Promise<string[] | undefined> {
  const up = await ancestorLinks(tx, tenant, parents);
  const cameFrom = new Map<string, string>(parents.map((parent) => [parent, role]));
  const queue = [...parents];
  for (const current of queue) {
    if (current === role) {
      const path = [role];
      for (let step = cameFrom.get(role)!; step !== role; step = cameFrom.get(step)!) path.unshift(step);
      return [role, ...path];
    }
    for (const parent of up.get(current) ?? NONE) {
      if (cameFrom.has(parent)) continue;
      cameFrom.set(parent, current);
      queue.push(parent);
    }
  }
  return undefined;
}

/** role -> its parents, for every role reachable upwards from `parents`. */
export async function ancestorLinks(
  tx: Queryable,
  tenant: string,
  parents: readonly string[],
): Promise<Map<string, string[]>> {
  const links = await tx.all<{ role: string; parent: string }>(ANCESTOR_LINKS_SQL, {
    tenant,
    roles: JSON.stringify(parents),
  });
  const up = new Map<string, string[]>();
  for (const link of links) up.set(link.role, [...(up.get(link.role) ?? NONE), link.parent]);
  return up;
}

export async function requireTenant(tx: Queryable, tenant: string): Promise<void> {
  const found = await tx.get('SELECT 1 AS found FROM rbac_tenants WHERE tenant = ?', tenant);
  if (found === undefined) throw new UnknownTenantError(tenant);
}

export async function requireRole(tx: Queryable, tenant: string, role: string): Promise<void> {
  const found = await tx.get('SELECT 1 AS found FROM rbac_roles WHERE tenant = ? AND role = ?', tenant, role);
  if (found === undefined) throw new UnknownRoleError(tenant, role);
}

export async function insertAudit(
  db: Queryable,
  record: AuditRecord,
  at: number,
  outcome: 'applied' | 'rejected',
  error: string | null,
): Promise<void> {
  await db.run(
    `INSERT INTO rbac_audit (tenant, at, by, action, role, user_id, permissions, inherits, outcome, error)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    record.tenant,
    at,
    record.by,
    record.action,
    record.role ?? null,
    record.userId ?? null,
    record.permissions ? JSON.stringify(record.permissions) : null,
    record.inherits ? JSON.stringify(record.inherits) : null,
    outcome,
    error,
  );
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    at: row.at,
    by: row.by,
    tenant: row.tenant,
    action: row.action,
    ...(row.role === null ? {} : { role: row.role }),
    ...(row.user_id === null ? {} : { userId: row.user_id }),
    ...(row.permissions === null ? {} : { permissions: JSON.parse(row.permissions) as string[] }),
    ...(row.inherits === null ? {} : { inherits: JSON.parse(row.inherits) as string[] }),
    outcome: row.outcome,
    ...(row.error === null ? {} : { error: row.error }),
  };
}

export function isRefusal(error: unknown): error is RefusalError {
  return error instanceof UnknownRoleError || error instanceof RoleCycleError || error instanceof TenantExistsError;
}

/** Any non-empty string is an id, spaces and all: ids are compared exactly as given. */
export function requireId(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${name} must be a non-empty string, received ${describe(value)}`);
  }
}

export function requireBy(options: ChangeOptions | undefined): string {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options must be an object with "by" (who makes the change), received ${describe(options)}`);
  }
  requireId('options.by', options.by);
  return options.by;
}

/** A concrete permission: resource:action, no wildcard. */
export function parsePermission(value: unknown): void {
  if (typeof value !== 'string') throw new TypeError(`permission must be a string, received ${describe(value)}`);
  const parts = value.split(':');
  if (parts.length !== 2 || !parts.every((part) => SEGMENT.test(part))) {
    throw new RangeError(
      `permission must look like "resource:action" (letters, digits, _ - .), received ${JSON.stringify(value)}`,
    );
  }
}

/** A rule: [!]resource:action or [!]resource:*. */
export function parseRule(value: unknown, name: string): void {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, received ${describe(value)}`);
  const body = value.startsWith('!') ? value.slice(1) : value;
  const parts = body.split(':');
  if (parts.length !== 2 || !SEGMENT.test(parts[0]!) || !(parts[1] === '*' || SEGMENT.test(parts[1]!))) {
    throw new RangeError(
      `${name} must look like "resource:action", "resource:*" or a "!"-prefixed deny, received ${JSON.stringify(value)}`,
    );
  }
}

/** A bad argument as its message shows it: a string quoted (so "" shows), an object by kind, the rest as written. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
