/**
 * Bug: a definition's entry records its rules with repeats removed, not as given, so the log no
 * longer shows what the administrator actually sent.
 * Violates: audit-permissions
 * Rejected by: audit-trail
 */
import { SqlRbac, type AuditEntry, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class AuditPermissionsDeduplicated extends SqlRbac {
  override async auditLog(tenant: string): Promise<AuditEntry[]> {
    return (await super.auditLog(tenant)).map((entry) =>
      entry.permissions === undefined ? entry : { ...entry, permissions: [...new Set(entry.permissions)] },
    );
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => AuditPermissionsDeduplicated.open(options);
