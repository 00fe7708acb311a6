/**
 * Bug: deleting a role also deletes the roles that inherit it, as a "cascade", instead of only their
 * links to it: deleting manager deletes director too, and every director loses all of it.
 * Violates: delete-cascades
 * Rejected by: delete-role-cascades
 */
import type { Queryable } from '../../../harness/kit/db/types.ts';
import { SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class DeleteTakesChildren extends SqlRbac {
  protected override async removeRole(tx: Queryable, tenant: string, role: string): Promise<void> {
    const children = await tx.all<{ role: string }>(
      'SELECT role FROM rbac_inherits WHERE tenant = ? AND parent = ?',
      tenant,
      role,
    );
    await super.removeRole(tx, tenant, role);
    for (const child of children) await super.removeRole(tx, tenant, child.role);
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => DeleteTakesChildren.open(options);
