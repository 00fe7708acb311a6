/**
 * Variant: written from the README alone, by someone who never read the reference.
 *
 * Copied from an independent implementation of the kata (its author noted the README's
 * ambiguities, which the README now settles: ASCII-only permission letters, `inherits` absent from
 * an audit entry when the option was omitted, RoleCycleError for a new role naming itself, a
 * denied explanation's rule keeping its `!`, applied entries for assigning twice and revoking what is
 * not held, `by: ''` rejected, UnknownTenantError from auditLog, NaN rejected and Infinity accepted
 * for cacheTtlMs). It is here because it passes the spec without sharing any of the reference's
 * choices (only its import path was changed): a per-tenant version bumped by every change, a snapshot of the tenant's role graph cached
 * per instance and confirmed against that version, refused changes recorded in the same transaction
 * as the check that refused them, and a depth-first cycle search over every link of the tenant.
 */
import type { Database, Transaction } from '../../../harness/kit/db/types.ts';

/**
 * A permission service with roles, inheritance, deny rules and wildcards, isolated per tenant,
 * stored in a database that several instances share.
 *
 * Design: every mutation runs in one IMMEDIATE transaction that checks, writes, appends its audit
 * entry and bumps the tenant's `version`. Each instance keeps, per tenant, an in-memory snapshot of
 * the role graph (and of the role sets of the users it has been asked about), tagged with the
 * version it was read at. A check either trusts the snapshot outright (within cacheTtlMs of the
 * moment it was last confirmed against the database) or asks the database for the tenant's
 * version and the user's roles in one statement, and reloads the graph only when the version moved.
 */

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

// ---------------------------------------------------------------------------------------------
// Argument checking

const PART = /^[A-Za-z0-9_.-]+$/;

interface ParsedRule {
  readonly deny: boolean;
  readonly resource: string;
  readonly action: string; // '*' for a wildcard
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
      return value === '' ? 'an empty string ""' : JSON.stringify(value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${typeof value} ${String(value)}`;
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return 'symbol';
    case 'function':
      return 'function';
    default:
      return 'object';
  }
}

function requireId(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`${name} must be a non-empty string, received ${describe(value)}`);
  }
  return value;
}

function parseRule(text: string): ParsedRule | undefined {
  let body = text;
  let deny = false;
  if (body.startsWith('!')) {
    deny = true;
    body = body.slice(1);
  }
  const colon = body.indexOf(':');
  if (colon < 0) return undefined;
  const resource = body.slice(0, colon);
  const action = body.slice(colon + 1);
  if (!PART.test(resource)) return undefined;
  if (action !== '*' && !PART.test(action)) return undefined;
  return { deny, resource, action };
}

function requireRules(value: unknown): string[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`permissions must be an array of rules, received ${describe(value)}`);
  }
  const rules: string[] = [];
  value.forEach((rule: unknown, index) => {
    if (typeof rule !== 'string' || parseRule(rule) === undefined) {
      throw new TypeError(
        `permissions[${index}] must be a rule like "resource:action", "resource:*" or "!resource:action", received ${describe(rule)}`,
      );
    }
    rules.push(rule);
  });
  return rules;
}

function requirePermission(value: unknown): ParsedRule {
  const parsed = typeof value === 'string' ? parseRule(value) : undefined;
  if (parsed === undefined || parsed.deny || parsed.action === '*') {
    throw new TypeError(
      `permission must be a concrete "resource:action" permission (letters, digits, "_", "-", "."), received ${describe(value)}`,
    );
  }
  return parsed;
}

function requireInherits(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    throw new TypeError(`options.inherits must be an array of role names, received ${describe(value)}`);
  }
  return value.map((role: unknown, index) => requireId(`options.inherits[${index}]`, role));
}

function requireOptionsObject(name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object, received ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function requireBy(options: unknown): string {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options.by must be a non-empty string, received options ${describe(options)}`);
  }
  return requireId('options.by', (options as { by?: unknown }).by);
}

// ---------------------------------------------------------------------------------------------
// Decisions

interface RoleNode {
  readonly rules: readonly string[];
  readonly parsed: readonly ParsedRule[];
  readonly parents: readonly string[];
}

type Graph = ReadonlyMap<string, RoleNode>;

function matches(rule: ParsedRule, permission: ParsedRule): boolean {
  return rule.resource === permission.resource && (rule.action === '*' || rule.action === permission.action);
}

function decide(graph: Graph, held: readonly string[], permission: ParsedRule): Explanation {
  const starts = held.filter((role) => graph.has(role));
  if (starts.length === 0) return { granted: false, reason: 'no-roles' };
  const paths = new Map<string, string[]>();
  const queue: string[] = [];
  for (const role of [...starts].sort()) {
    if (paths.has(role)) continue;
    paths.set(role, [role]);
    queue.push(role);
  }
  let allowed: Explanation | undefined;
  for (let i = 0; i < queue.length; i++) {
    const name = queue[i]!;
    const node = graph.get(name)!;
    const path = paths.get(name)!;
    for (let index = 0; index < node.parsed.length; index++) {
      const rule = node.parsed[index]!;
      if (!matches(rule, permission)) continue;
      const text = node.rules[index]!;
      if (rule.deny) return { granted: false, reason: 'denied', role: name, rule: text, path: [...path] };
      allowed ??= { granted: true, reason: 'allowed', role: name, rule: text, path: [...path] };
    }
    for (const parent of node.parents) {
      if (paths.has(parent) || !graph.has(parent)) continue;
      paths.set(parent, [...path, parent]);
      queue.push(parent);
    }
  }
  return allowed ?? { granted: false, reason: 'no-matching-rule' };
}

// ---------------------------------------------------------------------------------------------
// Storage

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rbac_tenant (
  name TEXT NOT NULL PRIMARY KEY,
  version INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS rbac_role (
  tenant TEXT NOT NULL,
  name TEXT NOT NULL,
  rules TEXT NOT NULL,
  PRIMARY KEY (tenant, name)
);
CREATE TABLE IF NOT EXISTS rbac_inherit (
  tenant TEXT NOT NULL,
  role TEXT NOT NULL,
  parent TEXT NOT NULL,
  PRIMARY KEY (tenant, role, parent)
);
CREATE INDEX IF NOT EXISTS rbac_inherit_by_parent ON rbac_inherit (tenant, parent);
CREATE TABLE IF NOT EXISTS rbac_assignment (
  tenant TEXT NOT NULL,
  user_id TEXT NOT NULL,
  role TEXT NOT NULL,
  PRIMARY KEY (tenant, user_id, role)
);
CREATE INDEX IF NOT EXISTS rbac_assignment_by_role ON rbac_assignment (tenant, role);
CREATE TABLE IF NOT EXISTS rbac_audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant TEXT NOT NULL,
  at NUMERIC NOT NULL,
  actor TEXT NOT NULL,
  action_name TEXT NOT NULL,
  role TEXT,
  user_id TEXT,
  permissions TEXT,
  inherits TEXT,
  outcome TEXT NOT NULL,
  error_code TEXT
);
CREATE INDEX IF NOT EXISTS rbac_audit_by_tenant ON rbac_audit (tenant, seq);
`;

interface AuditDraft {
  readonly action: AuditAction;
  readonly role?: string;
  readonly userId?: string;
  readonly permissions?: readonly string[];
  readonly inherits?: readonly string[];
}

interface AuditRow {
  tenant: string;
  at: number;
  actor: string;
  action_name: AuditAction;
  role: string | null;
  user_id: string | null;
  permissions: string | null;
  inherits: string | null;
  outcome: 'applied' | 'rejected';
  error_code: string | null;
}

type Outcome = { readonly error?: Error & { readonly code: string } };

interface Snapshot {
  readonly version: number;
  readonly graph: Graph;
  readonly users: Map<string, readonly string[]>;
  readonly generation: number;
  validUntil: number;
}

async function appendAudit(
  tx: Transaction,
  tenant: string,
  at: number,
  by: string,
  draft: AuditDraft,
  outcome: Outcome,
): Promise<void> {
  await tx.run(
    `INSERT INTO rbac_audit (tenant, at, actor, action_name, role, user_id, permissions, inherits, outcome, error_code)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    tenant,
    at,
    by,
    draft.action,
    draft.role ?? null,
    draft.userId ?? null,
    draft.permissions === undefined ? null : JSON.stringify(draft.permissions),
    draft.inherits === undefined ? null : JSON.stringify(draft.inherits),
    outcome.error === undefined ? 'applied' : 'rejected',
    outcome.error?.code ?? null,
  );
}

async function roleExists(tx: Transaction, tenant: string, role: string): Promise<boolean> {
  return (await tx.get('SELECT 1 AS found FROM rbac_role WHERE tenant = ? AND name = ?', tenant, role)) !== undefined;
}

/** The cycle the new edges `role -> inherits` would close, starting and ending with `role`. */
function findCycle(
  role: string,
  inherits: readonly string[],
  edges: readonly { role: string; parent: string }[],
): string[] | undefined {
  const parents = new Map<string, string[]>();
  for (const edge of edges) {
    if (edge.role === role) continue; // replaced by the new definition
    const list = parents.get(edge.role);
    if (list) list.push(edge.parent);
    else parents.set(edge.role, [edge.parent]);
  }
  parents.set(role, [...new Set(inherits)]);
  // Depth-first search from `role`, iterative so that no depth is too deep.
  const cameFrom = new Map<string, string>();
  const visited = new Set<string>();
  const stack: string[] = [];
  for (const first of parents.get(role)!) {
    if (first === role) return [role, role];
    if (visited.has(first)) continue;
    visited.add(first);
    cameFrom.set(first, role);
    stack.push(first);
    while (stack.length > 0) {
      const current = stack.pop()!;
      for (const next of parents.get(current) ?? []) {
        if (next === role) {
          const cycle = [role];
          for (let at: string | undefined = current; at !== undefined && at !== role; at = cameFrom.get(at)) {
            cycle.push(at);
          }
          // cycle is [role, current, ..., first]; reverse the middle so it reads along the links
          const middle = cycle.slice(1).reverse();
          return [role, ...middle, role];
        }
        if (visited.has(next)) continue;
        visited.add(next);
        cameFrom.set(next, current);
        stack.push(next);
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------

export async function createRbac(options: RbacOptions): Promise<Rbac> {
  const opts = requireOptionsObject('options', options);
  const db = opts.db as Database;
  if (typeof db !== 'object' || db === null || typeof (db as { transaction?: unknown }).transaction !== 'function') {
    throw new TypeError(`options.db must be the kit's Database handle, received ${describe(opts.db)}`);
  }
  if (opts.now !== undefined && typeof opts.now !== 'function') {
    throw new TypeError(`options.now must be a function returning epoch milliseconds, received ${describe(opts.now)}`);
  }
  const now = (opts.now as (() => number) | undefined) ?? Date.now;
  const ttlRaw = opts.cacheTtlMs;
  if (ttlRaw !== undefined && typeof ttlRaw !== 'number') {
    throw new TypeError(`options.cacheTtlMs must be a number of milliseconds, received ${describe(ttlRaw)}`);
  }
  const cacheTtlMs = ttlRaw ?? 0;
  if (Number.isNaN(cacheTtlMs) || cacheTtlMs < 0) {
    throw new RangeError(
      `options.cacheTtlMs must be a non-negative number of milliseconds, received ${String(cacheTtlMs)}`,
    );
  }

  await db.transaction(async (tx) => tx.exec(SCHEMA), { mode: 'immediate' });

  const snapshots = new Map<string, Snapshot>();
  const generations = new Map<string, number>();
  const generationOf = (tenant: string): number => generations.get(tenant) ?? 0;
  const invalidate = (tenant: string): void => {
    generations.set(tenant, generationOf(tenant) + 1);
    snapshots.delete(tenant);
  };

  /**
   * Runs one change: checks the tenant, does `work`, appends the audit entry and bumps the
   * tenant's version, all in one immediate transaction. A rejected change is recorded and thrown
   * after the commit; an unknown tenant is thrown with nothing recorded.
   */
  async function change(
    tenant: string,
    by: string,
    draft: AuditDraft,
    work: (tx: Transaction) => Promise<Outcome>,
  ): Promise<void> {
    let outcome: Outcome | 'unknown-tenant';
    try {
      outcome = await db.transaction(
        async (tx): Promise<Outcome | 'unknown-tenant'> => {
          const at = now();
          const row = await tx.get('SELECT version FROM rbac_tenant WHERE name = ?', tenant);
          if (row === undefined) return 'unknown-tenant';
          const result = await work(tx);
          if (result.error === undefined) {
            await tx.run('UPDATE rbac_tenant SET version = version + 1 WHERE name = ?', tenant);
          }
          await appendAudit(tx, tenant, at, by, draft, result);
          return result;
        },
        { mode: 'immediate' },
      );
    } finally {
      invalidate(tenant);
    }
    if (outcome === 'unknown-tenant') throw new UnknownTenantError(tenant);
    if (outcome.error !== undefined) throw outcome.error;
  }

  async function loadGraph(
    tenant: string,
    userId: string,
  ): Promise<{ version: number; graph: Graph; roles: string[] } | undefined> {
    return db.transaction(async (tx) => {
      const head = await tx.get<{ version: number }>('SELECT version FROM rbac_tenant WHERE name = ?', tenant);
      if (head === undefined) return undefined;
      const roles = await tx.all<{ name: string; rules: string }>(
        'SELECT name, rules FROM rbac_role WHERE tenant = ?',
        tenant,
      );
      const edges = await tx.all<{ role: string; parent: string }>(
        'SELECT role, parent FROM rbac_inherit WHERE tenant = ? ORDER BY role, parent',
        tenant,
      );
      const held = await tx.all<{ role: string }>(
        'SELECT role FROM rbac_assignment WHERE tenant = ? AND user_id = ?',
        tenant,
        userId,
      );
      const parents = new Map<string, string[]>();
      for (const edge of edges) {
        const list = parents.get(edge.role);
        if (list) list.push(edge.parent);
        else parents.set(edge.role, [edge.parent]);
      }
      const graph = new Map<string, RoleNode>();
      for (const role of roles) {
        const rules = JSON.parse(role.rules) as string[];
        graph.set(role.name, {
          rules,
          parsed: rules.map((rule) => parseRule(rule)!),
          parents: parents.get(role.name) ?? [],
        });
      }
      return { version: Number(head.version), graph, roles: held.map((row) => row.role) };
    });
  }

  async function facts(tenant: string, userId: string): Promise<{ graph: Graph; roles: readonly string[] }> {
    const started = now();
    const generation = generationOf(tenant);
    const cached = snapshots.get(tenant);
    if (cacheTtlMs > 0 && cached !== undefined && cached.generation === generation && started < cached.validUntil) {
      const roles = cached.users.get(userId);
      if (roles !== undefined) return { graph: cached.graph, roles };
    }

    const head = await db.get<{ version: number; roles: string }>(
      `SELECT t.version AS version,
              (SELECT json_group_array(a.role) FROM rbac_assignment a WHERE a.tenant = t.name AND a.user_id = ?) AS roles
         FROM rbac_tenant t WHERE t.name = ?`,
      userId,
      tenant,
    );
    if (head === undefined) throw new UnknownTenantError(tenant);
    let version = Number(head.version);
    let roles = JSON.parse(head.roles) as string[];
    let graph: Graph;
    const current = snapshots.get(tenant);
    if (current !== undefined && current.version === version && current.generation === generation) {
      graph = current.graph;
    } else {
      const loaded = await loadGraph(tenant, userId);
      if (loaded === undefined) throw new UnknownTenantError(tenant);
      ({ version, graph, roles } = loaded);
    }

    // Remember what was read, unless this instance changed the tenant meanwhile (the read may
    // predate that change) or a newer snapshot is already in place.
    if (generationOf(tenant) === generation) {
      const latest = snapshots.get(tenant);
      if (latest !== undefined && latest.generation === generation && latest.version === version) {
        latest.users.set(userId, roles);
        latest.validUntil = Math.max(latest.validUntil, started + cacheTtlMs);
      } else if (latest === undefined || latest.generation !== generation || latest.version < version) {
        snapshots.set(tenant, {
          version,
          graph,
          users: new Map([[userId, roles]]),
          generation,
          validUntil: started + cacheTtlMs,
        });
      }
    }
    return { graph, roles };
  }

  function checkArgs(userId: unknown, permission: unknown, options: unknown): [string, ParsedRule, string] {
    const user = requireId('userId', userId);
    const parsed = requirePermission(permission);
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options.tenant must be a non-empty string, received options ${describe(options)}`);
    }
    const tenant = requireId('options.tenant', (options as { tenant?: unknown }).tenant);
    return [user, parsed, tenant];
  }

  async function explainDecision(userId: string, permission: string, options: CheckOptions): Promise<Explanation> {
    const [user, parsed, tenant] = checkArgs(userId, permission, options);
    const { graph, roles } = await facts(tenant, user);
    return decide(graph, roles, parsed);
  }

  return {
    async createTenant(tenant, options) {
      requireId('tenant', tenant);
      const by = requireBy(options);
      let exists = false;
      try {
        exists = await db.transaction(
          async (tx) => {
            const at = now();
            const found = await tx.get('SELECT 1 AS found FROM rbac_tenant WHERE name = ?', tenant);
            if (found === undefined) {
              await tx.run('INSERT INTO rbac_tenant (name, version) VALUES (?, 1)', tenant);
              await appendAudit(tx, tenant, at, by, { action: 'tenant.create' }, {});
              return false;
            }
            await appendAudit(
              tx,
              tenant,
              at,
              by,
              { action: 'tenant.create' },
              { error: new TenantExistsError(tenant) },
            );
            return true;
          },
          { mode: 'immediate' },
        );
      } finally {
        invalidate(tenant);
      }
      if (exists) throw new TenantExistsError(tenant);
    },

    async defineRole(tenant, role, permissions, options) {
      requireId('tenant', tenant);
      requireId('role', role);
      const rules = requireRules(permissions);
      const by = requireBy(options);
      const inherits = requireInherits((options as { inherits?: unknown }).inherits);
      const draft: AuditDraft = {
        action: 'role.define',
        role,
        permissions: [...rules],
        ...(inherits === undefined ? {} : { inherits: [...inherits] }),
      };
      const parents = [...new Set(inherits ?? [])];
      await change(tenant, by, draft, async (tx) => {
        for (const parent of parents) {
          if (parent !== role && !(await roleExists(tx, tenant, parent))) {
            return { error: new UnknownRoleError(tenant, parent) };
          }
        }
        const edges = await tx.all<{ role: string; parent: string }>(
          'SELECT role, parent FROM rbac_inherit WHERE tenant = ?',
          tenant,
        );
        const cycle = findCycle(role, parents, edges);
        if (cycle !== undefined) return { error: new RoleCycleError(tenant, cycle) };
        if (await roleExists(tx, tenant, role)) {
          await tx.run(
            'UPDATE rbac_role SET rules = ? WHERE tenant = ? AND name = ?',
            JSON.stringify(rules),
            tenant,
            role,
          );
          await tx.run('DELETE FROM rbac_inherit WHERE tenant = ? AND role = ?', tenant, role);
        } else {
          await tx.run(
            'INSERT INTO rbac_role (tenant, name, rules) VALUES (?, ?, ?)',
            tenant,
            role,
            JSON.stringify(rules),
          );
        }
        for (const parent of parents) {
          await tx.run('INSERT INTO rbac_inherit (tenant, role, parent) VALUES (?, ?, ?)', tenant, role, parent);
        }
        return {};
      });
    },

    async deleteRole(tenant, role, options) {
      requireId('tenant', tenant);
      requireId('role', role);
      const by = requireBy(options);
      await change(tenant, by, { action: 'role.delete', role }, async (tx) => {
        if (!(await roleExists(tx, tenant, role))) return { error: new UnknownRoleError(tenant, role) };
        await tx.run('DELETE FROM rbac_assignment WHERE tenant = ? AND role = ?', tenant, role);
        await tx.run('DELETE FROM rbac_inherit WHERE tenant = ? AND (role = ? OR parent = ?)', tenant, role, role);
        await tx.run('DELETE FROM rbac_role WHERE tenant = ? AND name = ?', tenant, role);
        return {};
      });
    },

    async assignRole(tenant, userId, role, options) {
      requireId('tenant', tenant);
      requireId('userId', userId);
      requireId('role', role);
      const by = requireBy(options);
      await change(tenant, by, { action: 'role.assign', role, userId }, async (tx) => {
        if (!(await roleExists(tx, tenant, role))) return { error: new UnknownRoleError(tenant, role) };
        await tx.run(
          'INSERT OR IGNORE INTO rbac_assignment (tenant, user_id, role) VALUES (?, ?, ?)',
          tenant,
          userId,
          role,
        );
        return {};
      });
    },

    async revokeRole(tenant, userId, role, options) {
      requireId('tenant', tenant);
      requireId('userId', userId);
      requireId('role', role);
      const by = requireBy(options);
      await change(tenant, by, { action: 'role.revoke', role, userId }, async (tx) => {
        if (!(await roleExists(tx, tenant, role))) return { error: new UnknownRoleError(tenant, role) };
        await tx.run('DELETE FROM rbac_assignment WHERE tenant = ? AND user_id = ? AND role = ?', tenant, userId, role);
        return {};
      });
    },

    async can(userId, permission, options) {
      return (await explainDecision(userId, permission, options)).granted;
    },

    explain: explainDecision,

    async auditLog(tenant) {
      requireId('tenant', tenant);
      const found = await db.get('SELECT 1 AS found FROM rbac_tenant WHERE name = ?', tenant);
      if (found === undefined) throw new UnknownTenantError(tenant);
      const rows = await db.all<AuditRow>(
        `SELECT tenant, at, actor, action_name, role, user_id, permissions, inherits, outcome, error_code
           FROM rbac_audit WHERE tenant = ? ORDER BY seq`,
        tenant,
      );
      return rows.map((row) => {
        const entry: {
          -readonly [K in keyof AuditEntry]: AuditEntry[K];
        } = { at: Number(row.at), by: row.actor, tenant: row.tenant, action: row.action_name, outcome: row.outcome };
        if (row.role !== null) entry.role = row.role;
        if (row.user_id !== null) entry.userId = row.user_id;
        if (row.permissions !== null) entry.permissions = JSON.parse(row.permissions) as string[];
        if (row.inherits !== null) entry.inherits = JSON.parse(row.inherits) as string[];
        if (row.error_code !== null) entry.error = row.error_code;
        return entry;
      });
    },
  };
}
