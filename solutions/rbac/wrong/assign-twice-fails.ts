/**
 * Bug: an assignment is a plain INSERT, so assigning a role the user already holds fails on the
 * primary key with a database error, instead of changing nothing.
 * Violates: assign-twice-no-op
 * Rejected by: no-op-changes
 */
import type { Queryable } from '../../../harness/kit/db/types.ts';
import { SqlRbac, requireRole, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class AssignTwiceFails extends SqlRbac {
  protected override async assign(tx: Queryable, tenant: string, userId: string, role: string): Promise<void> {
    await requireRole(tx, tenant, role);
    await tx.run('INSERT INTO rbac_assignments (tenant, user_id, role) VALUES (?, ?, ?)', tenant, userId, role);
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => AssignTwiceFails.open(options);
