/**
 * Bug: assignRole looks the tenant up before checking its other arguments, so a bad user id in an
 * unknown tenant is reported as UnknownTenantError, and the database is read before the argument
 * is refused.
 * Violates: bad-arguments-first
 * Rejected by: bad-arguments
 */
import { SqlRbac, requireTenant, type ChangeOptions, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class TenantBeforeArguments extends SqlRbac {
  override async assignRole(tenant: string, userId: string, role: string, options: ChangeOptions): Promise<void> {
    if (typeof tenant === 'string' && tenant !== '') await requireTenant(this.db, tenant);
    await super.assignRole(tenant, userId, role, options);
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => TenantBeforeArguments.open(options);
