/**
 * Bug: `inherits: null` is read as "no inheritance" (`options.inherits ?? []`), though only leaving
 * the option out means that; null is not an array of role names and should be refused.
 * Violates: bad-inherits
 * Rejected by: bad-arguments
 */
import { SqlRbac, type DefineRoleOptions, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class InheritsNullAccepted extends SqlRbac {
  override defineRole(
    tenant: string,
    role: string,
    permissions: readonly string[],
    options: DefineRoleOptions,
  ): Promise<void> {
    const cleaned = options?.inherits === null ? { ...options, inherits: [] } : options;
    return super.defineRole(tenant, role, permissions, cleaned);
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => InheritsNullAccepted.open(options);
