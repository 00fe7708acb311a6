/**
 * Bug: deleting a role removes its row and its rules but leaves the assignments of it and the links
 * other roles had to it. Nothing shows until a role of the same name is defined again: then every
 * old holder and every old child gets it back.
 * Violates: delete-no-resurrection
 * Rejected by: delete-role-cascades
 */
import type { Queryable } from '../../../harness/kit/db/types.ts';
import { SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class DeleteLeavesLinks extends SqlRbac {
  protected override async removeRole(tx: Queryable, tenant: string, role: string): Promise<void> {
    await tx.run('DELETE FROM rbac_inherits WHERE tenant = ? AND role = ?', tenant, role);
    await tx.run('DELETE FROM rbac_rules WHERE tenant = ? AND role = ?', tenant, role);
    await tx.run('DELETE FROM rbac_roles WHERE tenant = ? AND role = ?', tenant, role);
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => DeleteLeavesLinks.open(options);
