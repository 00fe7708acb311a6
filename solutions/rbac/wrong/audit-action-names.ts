/**
 * Bug: revocations are logged as "role.unassign", a name the README does not have, so a tool that
 * reads the log for role.revoke entries never sees one.
 * Violates: audit-action
 * Rejected by: audit-trail
 */
import { SqlRbac, type AuditAction, type AuditEntry, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class AuditActionNames extends SqlRbac {
  override async auditLog(tenant: string): Promise<AuditEntry[]> {
    return (await super.auditLog(tenant)).map((entry) =>
      entry.action === 'role.revoke' ? { ...entry, action: 'role.unassign' as AuditAction } : entry,
    );
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => AuditActionNames.open(options);
