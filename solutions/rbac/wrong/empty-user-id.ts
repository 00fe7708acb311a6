/**
 * Bug: assignRole checks that the user id is a string but not that it is non-empty, so a form
 * submitted without a user assigns the role to "" and nobody notices.
 * Violates: bad-id
 * Rejected by: bad-arguments
 */
import {
  SqlRbac,
  requireBy,
  requireId,
  requireTenant,
  type ChangeOptions,
  type Rbac,
  type RbacOptions,
} from '../index.ts';

export * from '../index.ts';

class EmptyUserId extends SqlRbac {
  override async assignRole(tenant: string, userId: string, role: string, options: ChangeOptions): Promise<void> {
    if (userId !== '') return super.assignRole(tenant, userId, role, options);
    requireId('tenant', tenant);
    requireId('role', role);
    const by = requireBy(options);
    await this.change({ tenant, by, action: 'role.assign', role, userId }, async (tx) => {
      await requireTenant(tx, tenant);
      await this.assign(tx, tenant, userId, role);
    });
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => EmptyUserId.open(options);
