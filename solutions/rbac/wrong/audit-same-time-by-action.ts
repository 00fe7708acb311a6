/**
 * Bug: the log is sorted by time and then by action name, so changes made in the same millisecond
 * come out alphabetically (role.assign before role.revoke) rather than in the order they were made.
 * Violates: audit-order
 * Rejected by: audit-trail
 */
import type { Queryable } from '../../../harness/kit/db/types.ts';
import { SqlRbac, type AuditRow, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class AuditSameTimeByAction extends SqlRbac {
  protected override readAudit(tx: Queryable, tenant: string): Promise<AuditRow[]> {
    return tx.all<AuditRow>(
      `SELECT tenant, at, by, action, role, user_id, permissions, inherits, outcome, error
         FROM rbac_audit WHERE tenant = ? ORDER BY at, action`,
      tenant,
    );
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => AuditSameTimeByAction.open(options);
