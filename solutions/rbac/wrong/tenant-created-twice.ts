/**
 * Bug: creating a tenant that exists quietly succeeds (INSERT OR IGNORE without looking at what it
 * did), so two onboarding flows that pick the same name both think they own the tenant.
 * Violates: tenant-exists
 * Rejected by: unknown-names
 */
import { SqlRbac, requireBy, requireId, type ChangeOptions, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class TenantCreatedTwice extends SqlRbac {
  override async createTenant(tenant: string, options: ChangeOptions): Promise<void> {
    requireId('tenant', tenant);
    const by = requireBy(options);
    await this.change({ tenant, by, action: 'tenant.create' }, async (tx) => {
      await tx.run('INSERT OR IGNORE INTO rbac_tenants (tenant) VALUES (?)', tenant);
    });
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => TenantCreatedTwice.open(options);
