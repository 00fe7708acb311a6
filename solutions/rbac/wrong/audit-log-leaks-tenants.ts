/**
 * Bug: auditLog(tenant) checks that the tenant exists, then returns every tenant's entries: acme's
 * administrators read who was given which role in globex.
 * Violates: audit-own-tenant
 * Rejected by: audit-trail, tenant-isolation
 */
import type { Queryable } from '../../../harness/kit/db/types.ts';
import { SqlRbac, type AuditRow, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class AuditLogLeaksTenants extends SqlRbac {
  protected override readAudit(tx: Queryable): Promise<AuditRow[]> {
    return tx.all<AuditRow>(
      `SELECT tenant, at, by, action, role, user_id, permissions, inherits, outcome, error
         FROM rbac_audit ORDER BY seq`,
    );
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => AuditLogLeaksTenants.open(options);
