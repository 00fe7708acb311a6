/**
 * Bug: a definition that left `inherits` out is recorded with `inherits: []`, as if the caller had
 * passed an empty list; the README records the option as given, absent when it was left out.
 * Violates: audit-inherits
 * Rejected by: audit-trail
 */
import { SqlRbac, type AuditEntry, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class AuditInheritsDefaulted extends SqlRbac {
  override async auditLog(tenant: string): Promise<AuditEntry[]> {
    return (await super.auditLog(tenant)).map((entry) =>
      entry.action === 'role.define' && entry.inherits === undefined ? { ...entry, inherits: [] } : entry,
    );
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => AuditInheritsDefaulted.open(options);
