/**
 * Bug: a single rule passed as a string instead of an array is quietly wrapped in one, so
 * `defineRole('acme', 'x', 'salary:view', ...)` succeeds where the README says permissions must be
 * an array of rules.
 * Violates: bad-rule
 * Rejected by: bad-arguments
 */
import { SqlRbac, type DefineRoleOptions, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class SingleRuleString extends SqlRbac {
  override defineRole(
    tenant: string,
    role: string,
    permissions: readonly string[],
    options: DefineRoleOptions,
  ): Promise<void> {
    const list = typeof permissions === 'string' ? [permissions] : permissions;
    return super.defineRole(tenant, role, list, options);
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => SingleRuleString.open(options);
