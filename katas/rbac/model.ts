/**
 * The simple model the spec compares implementations with: the rules of README.md written as plainly
 * as possible, in memory, with no database, cache or concurrency. It is the spec's definition of the
 * right answer, so it favours obviousness over speed.
 */

export const ERROR_CODES = {
  unknownTenant: 'ERR_RBAC_UNKNOWN_TENANT',
  unknownRole: 'ERR_RBAC_UNKNOWN_ROLE',
  cycle: 'ERR_RBAC_ROLE_CYCLE',
  tenantExists: 'ERR_RBAC_TENANT_EXISTS',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

interface ModelRole {
  readonly rules: readonly string[];
  readonly inherits: readonly string[];
}

interface ModelTenant {
  readonly roles: Map<string, ModelRole>;
  /** userId -> roles held. */
  readonly assignments: Map<string, Set<string>>;
}

/** True when the rule (without its '!') covers the concrete permission. */
export function ruleMatches(rule: string, permission: string): boolean {
  const body = rule.startsWith('!') ? rule.slice(1) : rule;
  const [ruleResource, ruleAction] = body.split(':');
  const [resource, action] = permission.split(':');
  return ruleResource === resource && (ruleAction === '*' || ruleAction === action);
}

export class RbacModel {
  private readonly tenants = new Map<string, ModelTenant>();

  /** The codes a correct implementation may throw for this change; empty when it must be applied. */
  createTenant(tenant: string): ErrorCode[] {
    if (this.tenants.has(tenant)) return [ERROR_CODES.tenantExists];
    this.tenants.set(tenant, { roles: new Map(), assignments: new Map() });
    return [];
  }

  defineRole(tenant: string, role: string, rules: readonly string[], inherits: readonly string[]): ErrorCode[] {
    const state = this.tenants.get(tenant);
    if (!state) return [ERROR_CODES.unknownTenant];
    const errors = new Set<ErrorCode>();
    for (const parent of inherits) {
      if (!state.roles.has(parent)) errors.add(ERROR_CODES.unknownRole);
      if (parent === role || this.ancestors(state, [parent]).has(role)) errors.add(ERROR_CODES.cycle);
    }
    if (errors.size === 0) state.roles.set(role, { rules: [...rules], inherits: [...new Set(inherits)] });
    return [...errors];
  }

  deleteRole(tenant: string, role: string): ErrorCode[] {
    const state = this.tenants.get(tenant);
    if (!state) return [ERROR_CODES.unknownTenant];
    if (!state.roles.has(role)) return [ERROR_CODES.unknownRole];
    state.roles.delete(role);
    for (const [name, definition] of state.roles) {
      if (definition.inherits.includes(role)) {
        state.roles.set(name, { ...definition, inherits: definition.inherits.filter((parent) => parent !== role) });
      }
    }
    for (const held of state.assignments.values()) held.delete(role);
    return [];
  }

  assignRole(tenant: string, userId: string, role: string): ErrorCode[] {
    const state = this.tenants.get(tenant);
    if (!state) return [ERROR_CODES.unknownTenant];
    if (!state.roles.has(role)) return [ERROR_CODES.unknownRole];
    const held = state.assignments.get(userId) ?? new Set<string>();
    held.add(role);
    state.assignments.set(userId, held);
    return [];
  }

  revokeRole(tenant: string, userId: string, role: string): ErrorCode[] {
    const state = this.tenants.get(tenant);
    if (!state) return [ERROR_CODES.unknownTenant];
    if (!state.roles.has(role)) return [ERROR_CODES.unknownRole];
    state.assignments.get(userId)?.delete(role);
    return [];
  }

  /** The decision, or the error code when the tenant is unknown. */
  can(userId: string, permission: string, tenant: string): boolean | ErrorCode {
    const state = this.tenants.get(tenant);
    if (!state) return ERROR_CODES.unknownTenant;
    const rules = [...this.ancestors(state, [...(state.assignments.get(userId) ?? [])])].flatMap(
      (role) => state.roles.get(role)?.rules ?? [],
    );
    const matching = rules.filter((rule) => ruleMatches(rule, permission));
    if (matching.some((rule) => rule.startsWith('!'))) return false;
    return matching.length > 0;
  }

  /** Every rule of the user's roles (held or inherited) that matches the permission, with its role. */
  matchingRules(tenant: string, userId: string, permission: string): { role: string; rule: string }[] {
    const state = this.tenants.get(tenant);
    if (!state) return [];
    return [...this.ancestors(state, this.rolesOf(tenant, userId))].flatMap((role) =>
      (state.roles.get(role)?.rules ?? [])
        .filter((rule) => ruleMatches(rule, permission))
        .map((rule) => ({ role, rule })),
    );
  }

  /** A one-line description of what the user holds and what those roles say, for failure messages. */
  describeUser(tenant: string, userId: string): string {
    const state = this.tenants.get(tenant);
    if (!state) return `tenant ${tenant} does not exist`;
    const held = this.rolesOf(tenant, userId);
    if (held.length === 0) return `${userId} holds no role in ${tenant}`;
    const roles = [...this.ancestors(state, held)].map((role) => {
      const definition = state.roles.get(role)!;
      const inherits = definition.inherits.length > 0 ? ` inherits ${definition.inherits.join(', ')}` : '';
      return `${role} [${definition.rules.join(', ')}]${inherits}`;
    });
    return `${userId} holds ${held.join(', ')} in ${tenant}; ${roles.join('; ')}`;
  }

  hasTenant(tenant: string): boolean {
    return this.tenants.has(tenant);
  }

  hasRole(tenant: string, role: string): boolean {
    return this.tenants.get(tenant)?.roles.has(role) ?? false;
  }

  rolesOf(tenant: string, userId: string): string[] {
    return [...(this.tenants.get(tenant)?.assignments.get(userId) ?? [])];
  }

  rulesOf(tenant: string, role: string): readonly string[] {
    return this.tenants.get(tenant)?.roles.get(role)?.rules ?? [];
  }

  inherits(tenant: string, role: string, parent: string): boolean {
    return this.tenants.get(tenant)?.roles.get(role)?.inherits.includes(parent) ?? false;
  }

  /** The roles given and every role they inherit, at any depth. */
  private ancestors(state: ModelTenant, start: readonly string[]): Set<string> {
    const seen = new Set<string>();
    const pending = [...start];
    while (pending.length > 0) {
      const role = pending.pop()!;
      if (seen.has(role)) continue;
      seen.add(role);
      pending.push(...(state.roles.get(role)?.inherits ?? []));
    }
    return seen;
  }
}
