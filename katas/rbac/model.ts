/**
 * The README as plain sequential code: every method of the service, bad arguments included, over
 * an in-memory state with no database, cache or concurrency. The spec compares implementations with
 * it, so it favours obviousness over speed. It says what a call must do; `judge.ts` compares that
 * with what a call did.
 */

export const ERROR_CODES = {
  unknownTenant: 'ERR_RBAC_UNKNOWN_TENANT',
  unknownRole: 'ERR_RBAC_UNKNOWN_ROLE',
  cycle: 'ERR_RBAC_ROLE_CYCLE',
  tenantExists: 'ERR_RBAC_TENANT_EXISTS',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export type ChangeMethod = 'createTenant' | 'defineRole' | 'deleteRole' | 'assignRole' | 'revokeRole';
export type CheckMethod = 'can' | 'explain';
export type Method = ChangeMethod | CheckMethod | 'auditLog';

/** One call of the service, arguments as passed (bad ones included). */
export interface Call {
  readonly method: Method;
  readonly args: readonly unknown[];
}

export const CHANGE_METHODS: readonly ChangeMethod[] = [
  'createTenant',
  'defineRole',
  'deleteRole',
  'assignRole',
  'revokeRole',
];

export function isChange(call: Call): boolean {
  return (CHANGE_METHODS as readonly string[]).includes(call.method);
}

export function isCheck(call: Call): boolean {
  return call.method === 'can' || call.method === 'explain';
}

export interface ModelEntry {
  readonly at: number;
  readonly by: string;
  readonly tenant: string;
  readonly action: 'tenant.create' | 'role.define' | 'role.delete' | 'role.assign' | 'role.revoke';
  readonly role?: string;
  readonly userId?: string;
  readonly permissions?: readonly string[];
  readonly inherits?: readonly string[];
  readonly outcome: 'applied' | 'rejected';
  readonly error?: ErrorCode;
}

/** Why a call must fail. */
export type Failure =
  /**
   * A TypeError or RangeError naming the argument and what was received. `argument` is its name;
   * `alias`, when the options object itself is what is wrong, the other name it may go by.
   */
  | { readonly kind: 'argument'; readonly argument: string; readonly alias?: string; readonly received: unknown }
  | { readonly kind: 'unknown-tenant'; readonly tenant: string }
  /** UnknownRoleError naming any one of `roles`. */
  | { readonly kind: 'unknown-role'; readonly tenant: string; readonly roles: readonly string[] }
  /** RoleCycleError for `role`, along the links the graph would have with the definition. */
  | {
      readonly kind: 'cycle';
      readonly tenant: string;
      readonly role: string;
      readonly links: ReadonlyMap<string, readonly string[]>;
    }
  | { readonly kind: 'tenant-exists'; readonly tenant: string };

export interface Match {
  readonly role: string;
  readonly rule: string;
}

/** Everything a correct `can`/`explain` may answer for one question. */
export interface Decision {
  readonly granted: boolean;
  readonly reason: 'allowed' | 'denied' | 'no-matching-rule' | 'no-roles';
  /** The rules an explanation may name: matching denies when denied, matching allows when allowed. */
  readonly candidates: readonly Match[];
  readonly held: readonly string[];
  /** role -> the roles it inherits. */
  readonly links: ReadonlyMap<string, readonly string[]>;
}

/** What the model says a call must do. */
export type Expectation =
  | { readonly kind: 'resolves' } // a change: resolves to undefined
  | { readonly kind: 'decision'; readonly method: CheckMethod; readonly decision: Decision }
  | { readonly kind: 'log'; readonly entries: readonly ModelEntry[] }
  | { readonly kind: 'fails'; readonly failure: Failure };

const PART = /^[A-Za-z0-9_.-]+$/;

/** A concrete permission: resource:action, ASCII letters, digits, _ - . in each part. */
export function isPermission(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const parts = value.split(':');
  return parts.length === 2 && parts.every((part) => PART.test(part));
}

/** A permission, or resource:*, with an optional leading '!'. */
export function isRule(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const body = value.startsWith('!') ? value.slice(1) : value;
  const parts = body.split(':');
  return parts.length === 2 && PART.test(parts[0]!) && (parts[1] === '*' || PART.test(parts[1]!));
}

/** True when the rule (with or without its '!') covers the concrete permission. */
export function ruleMatches(rule: string, permission: string): boolean {
  const [ruleResource, ruleAction] = (rule.startsWith('!') ? rule.slice(1) : rule).split(':');
  const [resource, action] = permission.split(':');
  return ruleResource === resource && (ruleAction === '*' || ruleAction === action);
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

interface Role {
  readonly rules: readonly string[];
  /** Without repeats. */
  readonly inherits: readonly string[];
}

interface Tenant {
  readonly roles: Map<string, Role>;
  /** userId -> roles held. */
  readonly assignments: Map<string, Set<string>>;
  readonly log: ModelEntry[];
}

class ArgumentFailure {
  constructor(
    readonly argument: string,
    readonly received: unknown,
    readonly alias?: string,
  ) {}
}

function requireId(argument: string, value: unknown): string {
  if (!isId(value)) throw new ArgumentFailure(argument, value);
  return value;
}

function requireBy(options: unknown): string {
  if (typeof options !== 'object' || options === null) throw new ArgumentFailure('by', options, 'options');
  return requireId('by', (options as { by?: unknown }).by);
}

export class RbacModel {
  private readonly tenants = new Map<string, Tenant>();

  /** A deep copy: the linearizability search steps copies, never the state it was given. */
  clone(): RbacModel {
    const copy = new RbacModel();
    for (const [name, tenant] of this.tenants) {
      copy.tenants.set(name, {
        roles: new Map(tenant.roles),
        assignments: new Map([...tenant.assignments].map(([user, held]) => [user, new Set(held)])),
        log: [...tenant.log],
      });
    }
    return copy;
  }

  /**
   * What `call` must do at time `at`, applying its effect to this state. Arguments are checked
   * first, in the order the README lists the parameters; then the tenant; then roles.
   */
  apply(call: Call, at: number): Expectation {
    try {
      return this.dispatch(call, at);
    } catch (error) {
      if (error instanceof ArgumentFailure) {
        const { argument, received, alias } = error;
        return {
          kind: 'fails',
          failure: { kind: 'argument', argument, received, ...(alias === undefined ? {} : { alias }) },
        };
      }
      throw error;
    }
  }

  private dispatch(call: Call, at: number): Expectation {
    const a = call.args;
    switch (call.method) {
      case 'createTenant': {
        const tenant = requireId('tenant', a[0]);
        const by = requireBy(a[1]);
        const entry = { at, by, tenant, action: 'tenant.create' } as const;
        const existing = this.tenants.get(tenant);
        if (existing) return this.refuse(existing, entry, { kind: 'tenant-exists', tenant }, ERROR_CODES.tenantExists);
        const created: Tenant = { roles: new Map(), assignments: new Map(), log: [] };
        this.tenants.set(tenant, created);
        created.log.push({ ...entry, outcome: 'applied' });
        return { kind: 'resolves' };
      }
      case 'defineRole': {
        const tenantName = requireId('tenant', a[0]);
        const role = requireId('role', a[1]);
        const permissions = a[2];
        if (!Array.isArray(permissions)) throw new ArgumentFailure('permissions', permissions);
        for (const rule of permissions) if (!isRule(rule)) throw new ArgumentFailure('permissions', rule);
        const by = requireBy(a[3]);
        const given = (a[3] as { inherits?: unknown }).inherits;
        if (given !== undefined) {
          if (!Array.isArray(given)) throw new ArgumentFailure('inherits', given);
          for (const parent of given) requireId('inherits', parent);
        }
        const inherits = (given ?? []) as readonly string[];
        const tenant = this.requireTenant(tenantName);
        if (tenant === undefined) return unknownTenant(tenantName);
        const entry = {
          at,
          by,
          tenant: tenantName,
          action: 'role.define',
          role,
          permissions: [...(permissions as string[])],
          ...(given === undefined ? {} : { inherits: [...inherits] }),
        } as const;
        const parents = [...new Set(inherits)];
        const missing = parents.filter((parent) => parent !== role && !tenant.roles.has(parent));
        if (missing.length > 0) {
          return this.refuse(
            tenant,
            entry,
            { kind: 'unknown-role', tenant: tenantName, roles: missing },
            ERROR_CODES.unknownRole,
          );
        }
        const links = new Map([...tenant.roles].map(([name, definition]) => [name, definition.inherits]));
        links.set(role, parents);
        if (reachable(links, parents).has(role)) {
          return this.refuse(tenant, entry, { kind: 'cycle', tenant: tenantName, role, links }, ERROR_CODES.cycle);
        }
        tenant.roles.set(role, { rules: [...new Set(permissions as string[])], inherits: parents });
        tenant.log.push({ ...entry, outcome: 'applied' });
        return { kind: 'resolves' };
      }
      case 'deleteRole': {
        const tenantName = requireId('tenant', a[0]);
        const role = requireId('role', a[1]);
        const by = requireBy(a[2]);
        const tenant = this.requireTenant(tenantName);
        if (tenant === undefined) return unknownTenant(tenantName);
        const entry = { at, by, tenant: tenantName, action: 'role.delete', role } as const;
        if (!tenant.roles.has(role)) {
          return this.refuse(
            tenant,
            entry,
            { kind: 'unknown-role', tenant: tenantName, roles: [role] },
            ERROR_CODES.unknownRole,
          );
        }
        tenant.roles.delete(role);
        for (const [name, definition] of tenant.roles) {
          if (definition.inherits.includes(role)) {
            tenant.roles.set(name, {
              ...definition,
              inherits: definition.inherits.filter((parent) => parent !== role),
            });
          }
        }
        for (const [user, held] of tenant.assignments) {
          held.delete(role);
          if (held.size === 0) tenant.assignments.delete(user);
        }
        tenant.log.push({ ...entry, outcome: 'applied' });
        return { kind: 'resolves' };
      }
      case 'assignRole':
      case 'revokeRole': {
        const tenantName = requireId('tenant', a[0]);
        const userId = requireId('userId', a[1]);
        const role = requireId('role', a[2]);
        const by = requireBy(a[3]);
        const tenant = this.requireTenant(tenantName);
        if (tenant === undefined) return unknownTenant(tenantName);
        const action = call.method === 'assignRole' ? 'role.assign' : 'role.revoke';
        const entry = { at, by, tenant: tenantName, action, role, userId } as const;
        if (!tenant.roles.has(role)) {
          return this.refuse(
            tenant,
            entry,
            { kind: 'unknown-role', tenant: tenantName, roles: [role] },
            ERROR_CODES.unknownRole,
          );
        }
        const held = tenant.assignments.get(userId) ?? new Set<string>();
        if (call.method === 'assignRole') held.add(role);
        else held.delete(role);
        if (held.size > 0) tenant.assignments.set(userId, held);
        else tenant.assignments.delete(userId);
        tenant.log.push({ ...entry, outcome: 'applied' });
        return { kind: 'resolves' };
      }
      case 'can':
      case 'explain': {
        const userId = requireId('userId', a[0]);
        if (typeof a[1] !== 'string' || !isPermission(a[1])) throw new ArgumentFailure('permission', a[1]);
        const options = a[2];
        if (typeof options !== 'object' || options === null) throw new ArgumentFailure('tenant', options, 'options');
        const tenantName = requireId('tenant', (options as { tenant?: unknown }).tenant);
        const tenant = this.requireTenant(tenantName);
        if (tenant === undefined) return unknownTenant(tenantName);
        return { kind: 'decision', method: call.method, decision: decide(tenant, userId, a[1]) };
      }
      case 'auditLog': {
        const tenantName = requireId('tenant', a[0]);
        const tenant = this.requireTenant(tenantName);
        if (tenant === undefined) return unknownTenant(tenantName);
        return { kind: 'log', entries: [...tenant.log] };
      }
    }
  }

  private requireTenant(name: string): Tenant | undefined {
    return this.tenants.get(name);
  }

  private refuse(
    tenant: Tenant,
    entry: Omit<ModelEntry, 'outcome' | 'error'>,
    failure: Failure,
    code: ErrorCode,
  ): Expectation {
    tenant.log.push({ ...entry, outcome: 'rejected', error: code });
    return { kind: 'fails', failure };
  }

  // Reading the state, for generators and failure messages.

  hasTenant(tenant: string): boolean {
    return this.tenants.has(tenant);
  }

  tenantNames(): string[] {
    return [...this.tenants.keys()];
  }

  roleNames(tenant: string): string[] {
    return [...(this.tenants.get(tenant)?.roles.keys() ?? [])];
  }

  rolesOf(tenant: string, userId: string): string[] {
    return [...(this.tenants.get(tenant)?.assignments.get(userId) ?? [])];
  }

  log(tenant: string): readonly ModelEntry[] {
    return this.tenants.get(tenant)?.log ?? [];
  }

  /** A one-line account of what the user holds and what those roles say, for failure messages. */
  describeUser(tenant: string, userId: string): string {
    const state = this.tenants.get(tenant);
    if (!state) return `tenant ${JSON.stringify(tenant)} does not exist`;
    const held = this.rolesOf(tenant, userId);
    if (held.length === 0) return `${JSON.stringify(userId)} holds no role in ${JSON.stringify(tenant)}`;
    const links = new Map([...state.roles].map(([name, definition]) => [name, definition.inherits]));
    const roles = [...reachable(links, held)].map((role) => {
      const definition = state.roles.get(role)!;
      const inherits = definition.inherits.length > 0 ? ` inherits ${definition.inherits.join(', ')}` : '';
      return `${role} [${definition.rules.join(', ')}]${inherits}`;
    });
    return `${JSON.stringify(userId)} holds ${held.join(', ')} in ${JSON.stringify(tenant)}; ${roles.join('; ')}`;
  }

  /** Identifies the state: tenants, roles, assignments and logs, in a canonical order. */
  key(): string {
    const tenants = [...this.tenants.keys()].sort().map((name) => {
      const tenant = this.tenants.get(name)!;
      const roles = [...tenant.roles.keys()]
        .sort()
        .map((role) => [role, [...tenant.roles.get(role)!.rules].sort(), [...tenant.roles.get(role)!.inherits].sort()]);
      const assignments = [...tenant.assignments.keys()]
        .sort()
        .map((user) => [user, [...tenant.assignments.get(user)!].sort()]);
      return [name, roles, assignments, tenant.log];
    });
    return JSON.stringify(tenants);
  }
}

function unknownTenant(tenant: string): Expectation {
  return { kind: 'fails', failure: { kind: 'unknown-tenant', tenant } };
}

/** The roles given and every role they inherit, at any depth. */
export function reachable(links: ReadonlyMap<string, readonly string[]>, start: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const pending = [...start];
  while (pending.length > 0) {
    const role = pending.pop()!;
    if (seen.has(role)) continue;
    seen.add(role);
    pending.push(...(links.get(role) ?? []));
  }
  return seen;
}

function decide(tenant: Tenant, userId: string, permission: string): Decision {
  const held = [...(tenant.assignments.get(userId) ?? [])];
  const links = new Map([...tenant.roles].map(([name, definition]) => [name, definition.inherits]));
  const matching = [...reachable(links, held)].flatMap((role) =>
    tenant.roles
      .get(role)!
      .rules.filter((rule) => ruleMatches(rule, permission))
      .map((rule) => ({ role, rule })),
  );
  const denies = matching.filter(({ rule }) => rule.startsWith('!'));
  const allows = matching.filter(({ rule }) => !rule.startsWith('!'));
  if (held.length === 0) return { granted: false, reason: 'no-roles', candidates: [], held, links };
  if (denies.length > 0) return { granted: false, reason: 'denied', candidates: denies, held, links };
  if (allows.length > 0) return { granted: true, reason: 'allowed', candidates: allows, held, links };
  return { granted: false, reason: 'no-matching-rule', candidates: [], held, links };
}
