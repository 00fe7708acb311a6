import { NotImplementedError } from '../../harness/kit/index.ts';
import type { Database } from '../../harness/kit/db/types.ts';

/**
 * A permission service with roles, inheritance, deny rules and wildcards, isolated per tenant,
 * stored in a database that several instances share. See README.md for the full rules.
 */

export interface RbacOptions {
  /** The shared database. Every instance of the service opens the same file. */
  readonly db: Database;
  /** The only clock to read, in epoch milliseconds: audit timestamps and cache expiry. Default: Date.now. */
  readonly now?: () => number;
  /**
   * How long this instance may answer from its own memory, in milliseconds: any number from 0 up,
   * fractions and Infinity included. Another instance's change is honoured by every check that
   * starts this long after the change resolved; this instance's own changes are honoured at once.
   * Default: 0 (no cache).
   */
  readonly cacheTtlMs?: number;
}

/** Who makes a change, for the audit log. */
export interface ChangeOptions {
  readonly by: string;
}

export interface DefineRoleOptions extends ChangeOptions {
  /** Roles of the same tenant whose rules this role also has, at any depth. Default: none. */
  readonly inherits?: readonly string[];
}

export interface CheckOptions {
  readonly tenant: string;
}

/** Why `explain` decided as it did. `path` runs from a role the user holds to `role`, each entry inheriting the next. */
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
  /** now() when the change was made or refused. */
  readonly at: number;
  readonly by: string;
  readonly tenant: string;
  readonly action: AuditAction;
  /** Every role.* action. */
  readonly role?: string;
  /** role.assign and role.revoke. */
  readonly userId?: string;
  /** role.define, as given. */
  readonly permissions?: readonly string[];
  /** role.define, as given; absent when the option was omitted. */
  readonly inherits?: readonly string[];
  readonly outcome: 'applied' | 'rejected';
  /** The error's code when the change was rejected. */
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

/** The tenant was never created. */
export class UnknownTenantError extends Error {
  readonly code = 'ERR_RBAC_UNKNOWN_TENANT';

  constructor(readonly tenant: string) {
    super(`unknown tenant ${JSON.stringify(tenant)}: create it with createTenant first`);
    this.name = 'UnknownTenantError';
  }
}

/** The role does not exist in the tenant. */
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

/** The definition would make a role inherit itself. `cycle` starts and ends with the role defined. */
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

/** createTenant was called for a tenant that already exists. */
export class TenantExistsError extends Error {
  readonly code = 'ERR_RBAC_TENANT_EXISTS';

  constructor(readonly tenant: string) {
    super(`tenant ${JSON.stringify(tenant)} already exists`);
    this.name = 'TenantExistsError';
  }
}

/** Creates the tables it needs (if missing) and resolves to the service. */
export async function createRbac(options: RbacOptions): Promise<Rbac> {
  throw new NotImplementedError('createRbac');
}
