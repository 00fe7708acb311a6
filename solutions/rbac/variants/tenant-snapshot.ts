/**
 * Variant: a versioned snapshot of each tenant's role graph, evaluated in memory.
 *
 * Where the reference asks the database one recursive question per check, this variant keeps each
 * tenant's whole role graph (roles, rules, links) in memory, stamped with the tenant's version
 * number, which every change bumps in the same transaction. A check past its cache window asks the
 * database one small indexed question (the tenant's version and the user's roles, in one
 * statement) and reloads the graph only when the version moved. So:
 *
 * - another instance's change is seen at the first check after the window, however busy the graph
 *   cache is, and with cacheTtlMs 0 at once, for one point read per check;
 * - the graph walk (visited set, breadth-first, deny first) is plain TypeScript, testable without
 *   a database;
 * - changes run in DEFERRED transactions: the kit reruns a body whose snapshot went stale, so the
 *   cycle check is redone against the winner's write instead of being serialised up front.
 *
 * The cost: memory per tenant grows with its policy, and a tenant whose roles change constantly
 * reloads its graph constantly. See NOTES.md.
 */
import type { Database, Queryable, Transaction } from '../../../harness/kit/db/types.ts';

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

export class UnknownTenantError extends Error {
  readonly code = 'ERR_RBAC_UNKNOWN_TENANT';

  constructor(readonly tenant: string) {
    super(`unknown tenant ${JSON.stringify(tenant)}: create it with createTenant first`);
    this.name = 'UnknownTenantError';
  }
}

export class UnknownRoleError extends Error {
  readonly code = 'ERR_RBAC_UNKNOWN_ROLE';

  constructor(
    readonly tenant: string,
    readonly role: string,
  ) {
    super(`unknown role ${JSON.stringify(role)} in tenant ${JSON.stringify(tenant)}`);
    this.name = 'UnknownRoleError';
  }
}

export class RoleCycleError extends Error {
  readonly code = 'ERR_RBAC_ROLE_CYCLE';

  constructor(
    readonly tenant: string,
    readonly cycle: readonly string[],
  ) {
    super(
      `role ${JSON.stringify(cycle[0])} in tenant ${JSON.stringify(tenant)} would inherit itself: ${cycle.join(' -> ')}`,
    );
    this.name = 'RoleCycleError';
  }
}

export class TenantExistsError extends Error {
  readonly code = 'ERR_RBAC_TENANT_EXISTS';

  constructor(readonly tenant: string) {
    super(`tenant ${JSON.stringify(tenant)} already exists`);
    this.name = 'TenantExistsError';
  }
}

/** Errors that refuse a change for a policy reason: the refusal is audited. */
type RefusalError = UnknownRoleError | RoleCycleError | TenantExistsError;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS snap_tenants (tenant TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS snap_roles (
    tenant TEXT NOT NULL, role TEXT NOT NULL, rules TEXT NOT NULL, parents TEXT NOT NULL,
    PRIMARY KEY (tenant, role)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS snap_assignments (
    tenant TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (tenant, user_id, role)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS snap_assignments_by_role ON snap_assignments (tenant, role);
  CREATE TABLE IF NOT EXISTS snap_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, entry TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS snap_audit_by_tenant ON snap_audit (tenant, id);
`;

const NAME = /^[A-Za-z0-9_.-]+$/;

interface Role {
  readonly rules: readonly string[];
  readonly parents: readonly string[];
}

/** One tenant's role graph as of `version`. */
interface Graph {
  readonly version: number;
  readonly roles: ReadonlyMap<string, Role>;
}

interface Fresh<T> {
  readonly value: T;
  /** now() before the read that produced it. */
  readonly readAt: number;
}

type Refusal = UnknownRoleError | RoleCycleError | TenantExistsError;

export async function createRbac(options: RbacOptions): Promise<Rbac> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`createRbac: options must be an object, received ${show(options)}`);
  }
  const { db, now = Date.now, cacheTtlMs = 0 } = options;
  if (typeof db?.transaction !== 'function') {
    throw new TypeError(`createRbac: options.db must be a database handle, received ${show(db)}`);
  }
  if (typeof now !== 'function')
    throw new TypeError(`createRbac: options.now must be a function, received ${show(now)}`);
  // Any number from 0 up, Infinity included; NaN fails the comparison.
  if (typeof cacheTtlMs !== 'number' || !(cacheTtlMs >= 0)) {
    throw new RangeError(`createRbac: options.cacheTtlMs must be a number >= 0, received ${show(cacheTtlMs)}`);
  }
  await db.exec(SCHEMA);
  return new SnapshotRbac(db, now, cacheTtlMs);
}

class SnapshotRbac implements Rbac {
  private readonly graphs = new Map<string, Fresh<Graph>>();
  private readonly holdings = new Map<string, Fresh<readonly string[]>>();
  /** The last graph loaded per tenant, kept whatever the TTL: its version says whether it still holds. */
  private readonly known = new Map<string, Graph>();
  /** Changes this instance has committed; reads begun under an older count are not kept. */
  private epoch = 0;

  constructor(
    private readonly db: Database,
    private readonly now: () => number,
    private readonly ttl: number,
  ) {}

  async createTenant(tenant: string, options: ChangeOptions): Promise<void> {
    name('tenant', tenant);
    return this.write(tenant, author(options), { action: 'tenant.create' }, async (tx) => {
      const { changes } = await tx.run('INSERT OR IGNORE INTO snap_tenants (tenant, version) VALUES (?, 0)', tenant);
      if (changes === 0) throw new TenantExistsError(tenant);
    });
  }

  async defineRole(
    tenant: string,
    role: string,
    permissions: readonly string[],
    options: DefineRoleOptions,
  ): Promise<void> {
    name('tenant', tenant);
    name('role', role);
    if (!Array.isArray(permissions)) {
      throw new TypeError(`defineRole: permissions must be an array, received ${show(permissions)}`);
    }
    permissions.forEach((rule, index) => checkRule(rule, `permissions[${index}]`));
    const by = author(options);
    // Omitted means none, and the audit entry then has no inherits; null is not an array.
    const given: unknown = options.inherits;
    if (given !== undefined && !Array.isArray(given)) {
      throw new TypeError(`defineRole: options.inherits must be an array, received ${show(given)}`);
    }
    const inherits = (given ?? []) as string[];
    inherits.forEach((parent, index) => name(`options.inherits[${index}]`, parent));
    const parents = [...new Set(inherits)];
    const detail = {
      action: 'role.define' as const,
      role,
      permissions: [...permissions],
      ...(given === undefined ? {} : { inherits: [...inherits] }),
    };
    return this.write(tenant, by, detail, async (tx) => {
      const graph = await loadGraph(tx, tenant);
      // The role itself need not exist: naming it is a cycle, found below.
      const missing = parents.find((parent) => parent !== role && !graph.roles.has(parent));
      if (missing !== undefined) throw new UnknownRoleError(tenant, missing);
      const cycle = cycleThrough(graph, role, parents);
      if (cycle) throw new RoleCycleError(tenant, cycle);
      await tx.run(
        `INSERT INTO snap_roles (tenant, role, rules, parents) VALUES (?, ?, ?, ?)
         ON CONFLICT (tenant, role) DO UPDATE SET rules = excluded.rules, parents = excluded.parents`,
        tenant,
        role,
        JSON.stringify([...new Set(permissions)]),
        JSON.stringify(parents),
      );
    });
  }

  async deleteRole(tenant: string, role: string, options: ChangeOptions): Promise<void> {
    name('tenant', tenant);
    name('role', role);
    return this.write(tenant, author(options), { action: 'role.delete', role }, async (tx) => {
      const graph = await loadGraph(tx, tenant);
      if (!graph.roles.has(role)) throw new UnknownRoleError(tenant, role);
      await tx.run('DELETE FROM snap_roles WHERE tenant = ? AND role = ?', tenant, role);
      await tx.run('DELETE FROM snap_assignments WHERE tenant = ? AND role = ?', tenant, role);
      for (const [child, definition] of graph.roles) {
        if (!definition.parents.includes(role)) continue;
        const remaining = definition.parents.filter((parent) => parent !== role);
        await tx.run(
          'UPDATE snap_roles SET parents = ? WHERE tenant = ? AND role = ?',
          JSON.stringify(remaining),
          tenant,
          child,
        );
      }
    });
  }

  async assignRole(tenant: string, userId: string, role: string, options: ChangeOptions): Promise<void> {
    return this.holding('role.assign', tenant, userId, role, options, (tx) =>
      tx.run('INSERT OR IGNORE INTO snap_assignments (tenant, user_id, role) VALUES (?, ?, ?)', tenant, userId, role),
    );
  }

  async revokeRole(tenant: string, userId: string, role: string, options: ChangeOptions): Promise<void> {
    return this.holding('role.revoke', tenant, userId, role, options, (tx) =>
      tx.run('DELETE FROM snap_assignments WHERE tenant = ? AND user_id = ? AND role = ?', tenant, userId, role),
    );
  }

  async can(userId: string, permission: string, options: CheckOptions): Promise<boolean> {
    return (await this.explain(userId, permission, options)).granted;
  }

  async explain(userId: string, permission: string, options: CheckOptions): Promise<Explanation> {
    name('userId', userId);
    checkPermission(permission);
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options must be { tenant }, received ${show(options)}`);
    }
    name('options.tenant', options.tenant);
    const { graph, held } = await this.view(options.tenant, userId);
    return evaluate(graph, held, permission);
  }

  async auditLog(tenant: string): Promise<AuditEntry[]> {
    name('tenant', tenant);
    const rows = await this.db.transaction(async (tx) => {
      if ((await tx.get('SELECT 1 AS found FROM snap_tenants WHERE tenant = ?', tenant)) === undefined) {
        throw new UnknownTenantError(tenant);
      }
      return tx.all<{ entry: string }>('SELECT entry FROM snap_audit WHERE tenant = ? ORDER BY id', tenant);
    });
    return rows.map((row) => JSON.parse(row.entry) as AuditEntry);
  }

  /**
   * The tenant's graph and the user's roles: from memory while both are fresh; otherwise one
   * statement reads the tenant's version and the user's roles together, and the graph is reloaded
   * only if the version moved since this instance last loaded it.
   */
  private async view(tenant: string, userId: string): Promise<{ graph: Graph; held: readonly string[] }> {
    const startedAt = this.now();
    const fresh = <T>(entry: Fresh<T> | undefined): entry is Fresh<T> =>
      entry !== undefined && startedAt - entry.readAt < this.ttl;
    const holdingKey = JSON.stringify([tenant, userId]);
    const cachedGraph = this.graphs.get(tenant);
    const cachedHeld = this.holdings.get(holdingKey);
    if (fresh(cachedGraph) && fresh(cachedHeld)) return { graph: cachedGraph.value, held: cachedHeld.value };

    const epoch = this.epoch;
    let view = await this.readIfUnchanged(tenant, userId);
    // The graph moved (or was never loaded): read version, graph and roles in one snapshot.
    view ??= await this.db.transaction(async (tx) => ({
      graph: await loadGraph(tx, tenant),
      held: await heldRoles(tx, tenant, userId),
    }));
    this.known.set(tenant, view.graph);
    if (this.ttl > 0 && epoch === this.epoch) {
      this.graphs.set(tenant, { value: view.graph, readAt: startedAt });
      this.holdings.set(holdingKey, { value: view.held, readAt: startedAt });
    }
    return view;
  }

  /** One statement, so one snapshot: the version and the roles. Undefined when the known graph is stale. */
  private async readIfUnchanged(
    tenant: string,
    userId: string,
  ): Promise<{ graph: Graph; held: readonly string[] } | undefined> {
    const row = await this.db.get<{ version: number; held: string }>(
      `SELECT version,
              (SELECT json_group_array(role) FROM snap_assignments WHERE tenant = :tenant AND user_id = :user) AS held
         FROM snap_tenants WHERE tenant = :tenant`,
      { tenant, user: userId },
    );
    if (row === undefined) throw new UnknownTenantError(tenant);
    const graph = this.known.get(tenant);
    if (graph?.version !== row.version) return undefined;
    return { graph, held: (JSON.parse(row.held) as string[]).sort() };
  }

  private holding(
    action: 'role.assign' | 'role.revoke',
    tenant: string,
    userId: string,
    role: string,
    options: ChangeOptions,
    apply: (tx: Transaction) => Promise<unknown>,
  ): Promise<void> {
    name('tenant', tenant);
    name('userId', userId);
    name('role', role);
    return this.write(tenant, author(options), { action, role, userId }, async (tx) => {
      if (
        (await tx.get('SELECT 1 AS found FROM snap_roles WHERE tenant = ? AND role = ?', tenant, role)) === undefined
      ) {
        throw new UnknownRoleError(tenant, role);
      }
      await apply(tx);
    });
  }

  /**
   * Runs a change with its audit entry (and, for the graph, a version bump) in one DEFERRED transaction. The kit
   * reruns the body if another writer got in first, so every check inside sees the final state.
   */
  private async write(
    tenant: string,
    by: string,
    detail: Omit<AuditEntry, 'at' | 'by' | 'tenant' | 'outcome' | 'error'>,
    apply: (tx: Transaction) => Promise<void>,
  ): Promise<void> {
    const entry = { at: this.now(), by, tenant, ...detail };
    const record = (tx: Queryable, outcome: object) =>
      tx.run('INSERT INTO snap_audit (tenant, entry) VALUES (?, ?)', tenant, JSON.stringify({ ...entry, ...outcome }));
    try {
      await this.db.transaction(async (tx) => {
        if (detail.action === 'role.define' || detail.action === 'role.delete') {
          // The graph changes: every instance's copy of it is now out of date.
          const bumped = await tx.run('UPDATE snap_tenants SET version = version + 1 WHERE tenant = ?', tenant);
          if (bumped.changes === 0) throw new UnknownTenantError(tenant);
        } else if (detail.action !== 'tenant.create') {
          const found = await tx.get('SELECT 1 AS found FROM snap_tenants WHERE tenant = ?', tenant);
          if (found === undefined) throw new UnknownTenantError(tenant);
        }
        await apply(tx);
        await record(tx, { outcome: 'applied' });
      });
    } catch (error) {
      if (isRefusal(error)) await record(this.db, { outcome: 'rejected', error: error.code });
      throw error;
    }
    this.epoch++;
    this.graphs.clear();
    this.holdings.clear();
  }
}

async function loadGraph(tx: Queryable, tenant: string): Promise<Graph> {
  const version = await tx.get<{ version: number }>('SELECT version FROM snap_tenants WHERE tenant = ?', tenant);
  if (version === undefined) throw new UnknownTenantError(tenant);
  const rows = await tx.all<{ role: string; rules: string; parents: string }>(
    'SELECT role, rules, parents FROM snap_roles WHERE tenant = ?',
    tenant,
  );
  const roles = new Map<string, Role>(
    rows.map((row) => [
      row.role,
      { rules: JSON.parse(row.rules) as string[], parents: JSON.parse(row.parents) as string[] },
    ]),
  );
  return { version: version.version, roles };
}

async function heldRoles(tx: Queryable, tenant: string, userId: string): Promise<string[]> {
  const rows = await tx.all<{ role: string }>(
    'SELECT role FROM snap_assignments WHERE tenant = ? AND user_id = ?',
    tenant,
    userId,
  );
  return rows.map((row) => row.role).sort();
}

/** The cycle `role` would close by inheriting `parents`: role -> parent -> ... -> role. */
function cycleThrough(graph: Graph, role: string, parents: readonly string[]): string[] | undefined {
  if (parents.includes(role)) return [role, role];
  const via = new Map<string, string>();
  const queue = parents.filter((parent) => {
    if (via.has(parent)) return false;
    via.set(parent, role);
    return true;
  });
  for (const current of queue) {
    for (const parent of graph.roles.get(current)?.parents ?? []) {
      if (parent === role) {
        const path = [current];
        while (via.get(path[0]!) !== role) path.unshift(via.get(path[0]!)!);
        return [role, ...path, role];
      }
      if (via.has(parent)) continue;
      via.set(parent, current);
      queue.push(parent);
    }
  }
  return undefined;
}

/** Breadth-first from the held roles; the first matching deny decides, else the first allow. */
function evaluate(graph: Graph, held: readonly string[], permission: string): Explanation {
  const present = held.filter((role) => graph.roles.has(role));
  if (present.length === 0) return { granted: false, reason: 'no-roles' };
  const via = new Map<string, string | undefined>(present.map((role) => [role, undefined]));
  const queue = [...present];
  let allowed: { role: string; rule: string } | undefined;
  for (const role of queue) {
    for (const rule of graph.roles.get(role)?.rules ?? []) {
      if (!covers(rule, permission)) continue;
      if (rule.startsWith('!')) return { granted: false, reason: 'denied', role, rule, path: trail(via, role) };
      allowed ??= { role, rule };
    }
    for (const parent of graph.roles.get(role)?.parents ?? []) {
      if (via.has(parent)) continue;
      via.set(parent, role);
      queue.push(parent);
    }
  }
  return allowed
    ? { granted: true, reason: 'allowed', ...allowed, path: trail(via, allowed.role) }
    : { granted: false, reason: 'no-matching-rule' };
}

function trail(via: ReadonlyMap<string, string | undefined>, role: string): string[] {
  const path = [role];
  for (let step = via.get(role); step !== undefined; step = via.get(step)) path.unshift(step);
  return path;
}

function covers(rule: string, permission: string): boolean {
  const [ruleResource, ruleAction] = rule.replace(/^!/, '').split(':');
  const [resource, action] = permission.split(':');
  return ruleResource === resource && (ruleAction === '*' || ruleAction === action);
}

function isRefusal(error: unknown): error is Refusal {
  return error instanceof UnknownRoleError || error instanceof RoleCycleError || error instanceof TenantExistsError;
}

function name(what: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${what} must be a non-empty string, received ${show(value)}`);
  }
}

function author(options: ChangeOptions | undefined): string {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options must be an object naming who makes the change ({ by }), received ${show(options)}`);
  }
  name('options.by', options.by);
  return options.by;
}

function checkPermission(value: unknown): void {
  if (typeof value !== 'string') throw new TypeError(`permission must be a string, received ${show(value)}`);
  const parts = value.split(':');
  if (parts.length !== 2 || !parts.every((part) => NAME.test(part))) {
    throw new RangeError(`permission must be "resource:action", received ${JSON.stringify(value)}`);
  }
}

function checkRule(value: unknown, what: string): void {
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string, received ${show(value)}`);
  const parts = value.replace(/^!/, '').split(':');
  if (parts.length !== 2 || !NAME.test(parts[0]!) || !(parts[1] === '*' || NAME.test(parts[1]!))) {
    throw new RangeError(
      `${what} must be "resource:action", "resource:*" or "!" before either, received ${JSON.stringify(value)}`,
    );
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
