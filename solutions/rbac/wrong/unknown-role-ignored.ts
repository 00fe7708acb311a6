/**
 * Bug: assigning or revoking a role that does not exist succeeds silently: a typo in a role name
 * leaves the user without the access the administrator meant to give, and no error or audit says
 * so.
 * Violates: unknown-role
 * Rejected by: unknown-names, audit-trail
 */
import type { Queryable } from '../../../harness/kit/db/types.ts';
import { SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class UnknownRoleIgnored extends SqlRbac {
  protected override async assign(tx: Queryable, tenant: string, userId: string, role: string): Promise<void> {
    await tx.run(
      'INSERT OR IGNORE INTO rbac_assignments (tenant, user_id, role) VALUES (?, ?, ?)',
      tenant,
      userId,
      role,
    );
  }

  protected override async revoke(tx: Queryable, tenant: string, userId: string, role: string): Promise<void> {
    await tx.run('DELETE FROM rbac_assignments WHERE tenant = ? AND user_id = ? AND role = ?', tenant, userId, role);
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => UnknownRoleIgnored.open(options);
