/**
 * Not a wrong file (the gallery reads only postgres-wrong/*.ts): the correct, dual-dialect service
 * that each file of postgres-wrong/ breaks in one place.
 *
 * One logic on both engines: SQL is written once with `?` placeholders (translated to `$1, $2, ...`
 * on PostgreSQL), `CROSS JOIN ... ON` (SQLite's way to fix the join order; plain `JOIN` on
 * PostgreSQL), and row-lock clauses (`FOR UPDATE`, `FOR SHARE`, dropped on SQLite, where the
 * transaction itself holds the database's only write lock). Transactions have the same shape on
 * both: default options, so DEFERRED on SQLite (made correct by the kit's rerun on a stale snapshot)
 * and READ COMMITTED on PostgreSQL.
 *
 * Correct on both engines as written: every change first locks its tenant's row, decides and writes
 * under that lock, bumps the tenant's `version` and appends its entry (a refused change commits its
 * rejected entry only). The overridable steps are `lockTenant`, `bumpVersion` and `transactionOptions`.
 */
import type { Database, Queryable, SqlParam, TransactionOptions } from '../../../../harness/kit/db/index.ts';

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

type Refusal = UnknownRoleError | RoleCycleError | TenantExistsError;

const SQLITE_SCHEMA = `
  CREATE TABLE IF NOT EXISTS rbac_tenants (tenant TEXT PRIMARY KEY, version INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS rbac_roles (tenant TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (tenant, role)) WITHOUT ROWID;
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
    seq INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, at REAL NOT NULL, actor TEXT NOT NULL,
    action TEXT NOT NULL, role TEXT, user_id TEXT, permissions TEXT, inherits TEXT, outcome TEXT NOT NULL, error TEXT
  );
  CREATE INDEX IF NOT EXISTS rbac_audit_by_tenant ON rbac_audit (tenant, seq);
`;

/** The same tables; the advisory lock keeps instances starting at once from racing in CREATE ... IF NOT EXISTS. */
const POSTGRES_SCHEMA = `
  SELECT pg_advisory_xact_lock(7262616302);
  CREATE TABLE IF NOT EXISTS rbac_tenants (tenant text PRIMARY KEY, version bigint NOT NULL DEFAULT 0);
  CREATE TABLE IF NOT EXISTS rbac_roles (tenant text NOT NULL, role text NOT NULL, PRIMARY KEY (tenant, role));
  CREATE TABLE IF NOT EXISTS rbac_rules (
    tenant text NOT NULL, role text NOT NULL, rule text NOT NULL, PRIMARY KEY (tenant, role, rule)
  );
  CREATE TABLE IF NOT EXISTS rbac_inherits (
    tenant text NOT NULL, role text NOT NULL, parent text NOT NULL, PRIMARY KEY (tenant, role, parent)
  );
  CREATE INDEX IF NOT EXISTS rbac_inherits_by_parent ON rbac_inherits (tenant, parent);
  CREATE TABLE IF NOT EXISTS rbac_assignments (
    tenant text NOT NULL, user_id text NOT NULL, role text NOT NULL, PRIMARY KEY (tenant, user_id, role)
  );
  CREATE INDEX IF NOT EXISTS rbac_assignments_by_role ON rbac_assignments (tenant, role);
  CREATE TABLE IF NOT EXISTS rbac_audit (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant text NOT NULL, at double precision NOT NULL,
    actor text NOT NULL, action text NOT NULL, role text, user_id text, permissions text, inherits text,
    outcome text NOT NULL, error text
  );
  CREATE INDEX IF NOT EXISTS rbac_audit_by_tenant ON rbac_audit (tenant, seq);
`;

/** Parameters: tenant, user, tenant, tenant, tenant, user, tenant, tenant. */
const POLICY_SQL = `
  WITH RECURSIVE reach(role) AS (
    SELECT role FROM rbac_assignments WHERE tenant = ? AND user_id = ?
    UNION
    SELECT link.parent FROM reach CROSS JOIN rbac_inherits link ON link.tenant = ? AND link.role = reach.role
  )
  SELECT 'tenant' AS kind, tenant AS role, CAST(NULL AS TEXT) AS value FROM rbac_tenants WHERE tenant = ?
  UNION ALL
  SELECT 'held', role, NULL FROM rbac_assignments WHERE tenant = ? AND user_id = ?
  UNION ALL
  SELECT 'rule', granted.role, granted.rule
    FROM reach CROSS JOIN rbac_rules granted ON granted.tenant = ? AND granted.role = reach.role
  UNION ALL
  SELECT 'link', link.role, link.parent
    FROM reach CROSS JOIN rbac_inherits link ON link.tenant = ? AND link.role = reach.role
`;

/** Every link above one role. Parameters: role, tenant, tenant. */
const ANCESTOR_LINKS_SQL = `
  WITH RECURSIVE up(role) AS (
    SELECT CAST(? AS TEXT)
    UNION
    SELECT link.parent FROM up CROSS JOIN rbac_inherits link ON link.tenant = ? AND link.role = up.role
  )
  SELECT link.role, link.parent FROM up CROSS JOIN rbac_inherits link ON link.tenant = ? AND link.role = up.role
`;

const NONE: readonly string[] = Object.freeze([]);
const CACHE_LIMIT = 10_000;
const SEGMENT = /^[A-Za-z0-9_.-]+$/;

interface Policy {
  readonly held: readonly string[];
  readonly rules: ReadonlyMap<string, readonly string[]>;
  readonly links: ReadonlyMap<string, readonly string[]>;
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

interface AuditRow {
  seq: number | null;
  at: number;
  actor: string;
  action: AuditAction;
  role: string | null;
  user_id: string | null;
  permissions: string | null;
  inherits: string | null;
  outcome: 'applied' | 'rejected';
  error: string | null;
}

/** `?` placeholders, `CROSS JOIN` and row-lock clauses in the handle's own dialect. */
export function inDialect(db: Database, sql: string): string {
  if (db.dialect === 'postgres') {
    let position = 0;
    return sql.replace(/\?/g, () => `$${++position}`).replace(/\bCROSS JOIN\b/g, 'JOIN');
  }
  return sql.replace(/\s+FOR\s+(UPDATE|SHARE|NO KEY UPDATE|KEY SHARE)\b/g, '');
}

// Members are protected so that each postgres-wrong/ file can break one of them.
export class DualDialectRbac implements Rbac {
  protected readonly cache = new Map<string, { policy: Policy; readAt: number }>();
  protected generation = 0;

  protected constructor(
    protected readonly db: Database,
    protected readonly now: () => number,
    protected readonly cacheTtlMs: number,
  ) {}

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
    if (typeof cacheTtlMs !== 'number' || Number.isNaN(cacheTtlMs) || cacheTtlMs < 0) {
      throw new RangeError(
        `createRbac(options): options.cacheTtlMs must be a number >= 0, received ${describe(cacheTtlMs)}`,
      );
    }
    const schema = db.dialect === 'postgres' ? POSTGRES_SCHEMA : SQLITE_SCHEMA;
    await db.transaction((tx) => tx.exec(schema));
    return new this(db, now, cacheTtlMs);
  }

  // Statements in the handle's dialect.
  protected run(on: Queryable, sql: string, ...params: SqlParam[]) {
    return on.run(inDialect(this.db, sql), ...params);
  }

  protected get<R>(on: Queryable, sql: string, ...params: SqlParam[]) {
    return on.get<R>(inDialect(this.db, sql), ...params);
  }

  protected all<R>(on: Queryable, sql: string, ...params: SqlParam[]) {
    return on.all<R>(inDialect(this.db, sql), ...params);
  }

  /** Every change's transaction: default options, DEFERRED on SQLite and READ COMMITTED on PostgreSQL. */
  protected transactionOptions(): TransactionOptions {
    return {};
  }

  /** Every change of a tenant takes this lock first, so they run one at a time. */
  protected async lockTenant(tx: Queryable, tenant: string): Promise<void> {
    const found = await this.get(tx, 'SELECT 1 AS found FROM rbac_tenants WHERE tenant = ? FOR UPDATE', tenant);
    if (found === undefined) throw new UnknownTenantError(tenant);
  }

  /** An applied change moves the tenant's version on (under the lock `lockTenant` took). */
  protected async bumpVersion(tx: Queryable, tenant: string): Promise<void> {
    await this.run(tx, 'UPDATE rbac_tenants SET version = version + 1 WHERE tenant = ?', tenant);
  }

  async createTenant(tenant: string, options: ChangeOptions): Promise<void> {
    requireId('tenant', tenant);
    const by = requireBy(options);
    const record: AuditRecord = { tenant, by, action: 'tenant.create' };
    const at = this.now();
    const refusal = await this.db.transaction(async (tx) => {
      const inserted = await this.run(
        tx,
        'INSERT INTO rbac_tenants (tenant) VALUES (?) ON CONFLICT DO NOTHING',
        tenant,
      );
      if (inserted.changes === 1) {
        await this.insertAudit(tx, record, at, null);
        return undefined;
      }
      await this.lockTenant(tx, tenant);
      const refused = new TenantExistsError(tenant);
      await this.insertAudit(tx, record, at, refused);
      return refused;
    }, this.transactionOptions());
    this.invalidate();
    if (refusal) throw refusal;
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
    permissions.forEach((rule, index) => parseRule(rule, `permissions[${index}]`));
    const by = requireBy(options);
    const given: unknown = options.inherits;
    if (given !== undefined && !Array.isArray(given)) {
      throw new TypeError(`defineRole: options.inherits must be an array of role names, received ${describe(given)}`);
    }
    const inherits = (given ?? []) as readonly string[];
    inherits.forEach((parent, index) => requireId(`options.inherits[${index}]`, parent));
    const parents = [...new Set(inherits)];
    const record: AuditRecord = {
      tenant,
      by,
      action: 'role.define',
      role,
      permissions: [...permissions],
      ...(given === undefined ? {} : { inherits: [...inherits] }),
    };
    await this.change(record, async (tx) => {
      for (const parent of parents) if (parent !== role) await this.requireRole(tx, tenant, parent);
      const cycle = parents.includes(role) ? [role, role] : await this.findCycle(tx, tenant, role, parents);
      if (cycle) throw new RoleCycleError(tenant, cycle);
      await this.run(tx, 'INSERT INTO rbac_roles (tenant, role) VALUES (?, ?) ON CONFLICT DO NOTHING', tenant, role);
      await this.run(tx, 'DELETE FROM rbac_rules WHERE tenant = ? AND role = ?', tenant, role);
      await this.run(tx, 'DELETE FROM rbac_inherits WHERE tenant = ? AND role = ?', tenant, role);
      for (const rule of new Set(permissions)) {
        await this.run(tx, 'INSERT INTO rbac_rules (tenant, role, rule) VALUES (?, ?, ?)', tenant, role, rule);
      }
      for (const parent of parents) {
        await this.run(tx, 'INSERT INTO rbac_inherits (tenant, role, parent) VALUES (?, ?, ?)', tenant, role, parent);
      }
    });
  }

  async deleteRole(tenant: string, role: string, options: ChangeOptions): Promise<void> {
    requireId('tenant', tenant);
    requireId('role', role);
    const by = requireBy(options);
    await this.change({ tenant, by, action: 'role.delete', role }, async (tx) => {
      await this.requireRole(tx, tenant, role);
      await this.run(tx, 'DELETE FROM rbac_assignments WHERE tenant = ? AND role = ?', tenant, role);
      await this.run(tx, 'DELETE FROM rbac_inherits WHERE tenant = ? AND (role = ? OR parent = ?)', tenant, role, role);
      await this.run(tx, 'DELETE FROM rbac_rules WHERE tenant = ? AND role = ?', tenant, role);
      await this.run(tx, 'DELETE FROM rbac_roles WHERE tenant = ? AND role = ?', tenant, role);
    });
  }

  async assignRole(tenant: string, userId: string, role: string, options: ChangeOptions): Promise<void> {
    requireId('tenant', tenant);
    requireId('userId', userId);
    requireId('role', role);
    const by = requireBy(options);
    await this.change({ tenant, by, action: 'role.assign', role, userId }, async (tx) => {
      await this.requireRole(tx, tenant, role);
      await this.run(
        tx,
        'INSERT INTO rbac_assignments (tenant, user_id, role) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
        tenant,
        userId,
        role,
      );
    });
  }

  async revokeRole(tenant: string, userId: string, role: string, options: ChangeOptions): Promise<void> {
    requireId('tenant', tenant);
    requireId('userId', userId);
    requireId('role', role);
    const by = requireBy(options);
    await this.change({ tenant, by, action: 'role.revoke', role, userId }, async (tx) => {
      await this.requireRole(tx, tenant, role);
      await this.run(
        tx,
        'DELETE FROM rbac_assignments WHERE tenant = ? AND user_id = ? AND role = ?',
        tenant,
        userId,
        role,
      );
    });
  }

  async can(userId: string, permission: string, options: CheckOptions): Promise<boolean> {
    return (await this.explain(userId, permission, options)).granted;
  }

  async explain(userId: string, permission: string, options: CheckOptions): Promise<Explanation> {
    requireId('userId', userId);
    parsePermission(permission);
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options must be an object with a tenant, received ${describe(options)}`);
    }
    requireId('options.tenant', options.tenant);
    return decide(await this.policy(options.tenant, userId), permission);
  }

  async auditLog(tenant: string): Promise<AuditEntry[]> {
    requireId('tenant', tenant);
    const rows = await this.all<AuditRow>(
      this.db,
      `SELECT entry.seq, entry.at, entry.actor, entry.action, entry.role, entry.user_id, entry.permissions,
              entry.inherits, entry.outcome, entry.error
         FROM rbac_tenants known LEFT JOIN rbac_audit entry ON entry.tenant = known.tenant
        WHERE known.tenant = ?
        ORDER BY entry.seq`,
      tenant,
    );
    if (rows.length === 0) throw new UnknownTenantError(tenant);
    return rows.filter((row) => row.seq !== null).map((row) => toAuditEntry(tenant, row));
  }

  /** Lock the tenant, decide and write, bump the version, append the entry: one transaction. */
  protected async change(record: AuditRecord, apply: (tx: Queryable) => Promise<void>): Promise<void> {
    const at = this.now();
    const refusal = await this.db.transaction(async (tx) => {
      await this.lockTenant(tx, record.tenant);
      try {
        await apply(tx);
      } catch (error) {
        if (!isRefusal(error)) throw error;
        await this.insertAudit(tx, record, at, error);
        return error;
      }
      await this.bumpVersion(tx, record.tenant);
      await this.insertAudit(tx, record, at, null);
      return undefined;
    }, this.transactionOptions());
    this.invalidate();
    if (refusal) throw refusal;
  }

  protected invalidate(): void {
    this.generation++;
    this.cache.clear();
  }

  protected async requireRole(tx: Queryable, tenant: string, role: string): Promise<void> {
    const found = await this.get(tx, 'SELECT 1 AS found FROM rbac_roles WHERE tenant = ? AND role = ?', tenant, role);
    if (found === undefined) throw new UnknownRoleError(tenant, role);
  }

  protected async findCycle(
    tx: Queryable,
    tenant: string,
    role: string,
    parents: readonly string[],
  ): Promise<string[] | undefined> {
    const up = new Map<string, string[]>();
    for (const parent of parents) {
      const links = await this.all<{ role: string; parent: string }>(tx, ANCESTOR_LINKS_SQL, parent, tenant, tenant);
      for (const link of links) {
        const known = up.get(link.role) ?? [];
        if (!known.includes(link.parent)) up.set(link.role, [...known, link.parent]);
      }
    }
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

  protected async insertAudit(tx: Queryable, record: AuditRecord, at: number, refusal: Refusal | null): Promise<void> {
    await this.run(
      tx,
      `INSERT INTO rbac_audit (tenant, at, actor, action, role, user_id, permissions, inherits, outcome, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      record.tenant,
      at,
      record.by,
      record.action,
      record.role ?? null,
      record.userId ?? null,
      record.permissions ? JSON.stringify(record.permissions) : null,
      record.inherits ? JSON.stringify(record.inherits) : null,
      refusal ? 'rejected' : 'applied',
      refusal ? refusal.code : null,
    );
  }

  protected async policy(tenant: string, userId: string): Promise<Policy> {
    const key = JSON.stringify([tenant, userId]);
    const startedAt = this.now();
    const cached = this.cache.get(key);
    if (cached !== undefined && startedAt - cached.readAt < this.cacheTtlMs) return cached.policy;
    const generation = this.generation;
    const policy = await this.readPolicy(tenant, userId);
    if (this.cacheTtlMs > 0 && generation === this.generation) {
      this.cache.delete(key);
      this.cache.set(key, { policy, readAt: startedAt });
      if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    }
    return policy;
  }

  protected async readPolicy(tenant: string, userId: string): Promise<Policy> {
    const t = tenant;
    const rows = await this.all<{ kind: string; role: string; value: string | null }>(
      this.db,
      POLICY_SQL,
      ...[t, userId, t, t, t, userId, t, t],
    );
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
}

function decide(policy: Policy, permission: string): Explanation {
  if (policy.held.length === 0) return { granted: false, reason: 'no-roles' };
  const cameFrom = new Map<string, string | null>(policy.held.map((role) => [role, null]));
  const queue = [...policy.held];
  let allow: { role: string; rule: string } | undefined;
  for (const role of queue) {
    for (const rule of policy.rules.get(role) ?? NONE) {
      if (!ruleMatches(rule, permission)) continue;
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

function pathTo(cameFrom: ReadonlyMap<string, string | null>, role: string): string[] {
  const path = [role];
  for (let previous = cameFrom.get(role); previous != null; previous = cameFrom.get(previous)) path.unshift(previous);
  return path;
}

function ruleMatches(rule: string, permission: string): boolean {
  const [ruleResource, ruleAction] = (rule.startsWith('!') ? rule.slice(1) : rule).split(':');
  const [resource, action] = permission.split(':');
  return resource === ruleResource && (ruleAction === '*' || action === ruleAction);
}

function toAuditEntry(tenant: string, row: AuditRow): AuditEntry {
  return {
    at: row.at,
    by: row.actor,
    tenant,
    action: row.action,
    ...(row.role === null ? {} : { role: row.role }),
    ...(row.user_id === null ? {} : { userId: row.user_id }),
    ...(row.permissions === null ? {} : { permissions: JSON.parse(row.permissions) as string[] }),
    ...(row.inherits === null ? {} : { inherits: JSON.parse(row.inherits) as string[] }),
    outcome: row.outcome,
    ...(row.error === null ? {} : { error: row.error }),
  };
}

function isRefusal(error: unknown): error is Refusal {
  return error instanceof UnknownRoleError || error instanceof RoleCycleError || error instanceof TenantExistsError;
}

function requireId(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${name} must be a non-empty string, received ${describe(value)}`);
  }
}

function requireBy(options: ChangeOptions | undefined): string {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options must be an object with "by" (who makes the change), received ${describe(options)}`);
  }
  requireId('options.by', options.by);
  return options.by;
}

function parsePermission(value: unknown): void {
  if (typeof value !== 'string') throw new TypeError(`permission must be a string, received ${describe(value)}`);
  const parts = value.split(':');
  if (parts.length !== 2 || !parts.every((part) => SEGMENT.test(part))) {
    throw new RangeError(
      `permission must look like "resource:action" (letters, digits, _ - .), received ${JSON.stringify(value)}`,
    );
  }
}

function parseRule(value: unknown, name: string): void {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, received ${describe(value)}`);
  const body = value.startsWith('!') ? value.slice(1) : value;
  const parts = body.split(':');
  if (parts.length !== 2 || !SEGMENT.test(parts[0]!) || !(parts[1] === '*' || SEGMENT.test(parts[1]!))) {
    throw new RangeError(
      `${name} must look like "resource:action", "resource:*" or a "!"-prefixed deny, received ${JSON.stringify(value)}`,
    );
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
