/**
 * Bug: the audit log "tidies" who made each change, trimming the spaces around `by`, so an entry no
 * longer says exactly who asked.
 * Violates: audit-by
 * Rejected by: audit-trail
 */
import { SqlRbac, type AuditEntry, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class AuditByTrimmed extends SqlRbac {
  override async auditLog(tenant: string): Promise<AuditEntry[]> {
    return (await super.auditLog(tenant)).map((entry) => ({ ...entry, by: entry.by.trim() }));
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => AuditByTrimmed.open(options);
