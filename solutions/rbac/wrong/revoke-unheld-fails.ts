/**
 * Bug: revoking a role the user does not hold is refused with UnknownRoleError, because the DELETE
 * changed no row, though the role exists: revoking what is not held should change nothing.
 * Violates: revoke-unheld-no-op
 * Rejected by: no-op-changes
 */
import type { Queryable } from '../../../harness/kit/db/types.ts';
import { SqlRbac, UnknownRoleError, requireRole, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class RevokeUnheldFails extends SqlRbac {
  protected override async revoke(tx: Queryable, tenant: string, userId: string, role: string): Promise<void> {
    await requireRole(tx, tenant, role);
    const deleted = await tx.run(
      'DELETE FROM rbac_assignments WHERE tenant = ? AND user_id = ? AND role = ?',
      tenant,
      userId,
      role,
    );
    if (deleted.changes === 0) throw new UnknownRoleError(tenant, role);
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => RevokeUnheldFails.open(options);
