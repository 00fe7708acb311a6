/**
 * Bug: inherited roles that do not exist are silently left out of the definition instead of
 * refusing it: a typo in `inherits` gives a role less than the administrator meant, with no error.
 * Violates: inherits-exist
 * Rejected by: unknown-names
 */
import { SqlRbac, type AuditRecord, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class UnknownParentDropped extends SqlRbac {
  protected override async applyDefinition(
    audit: AuditRecord,
    tenant: string,
    role: string,
    permissions: readonly string[],
    parents: readonly string[],
  ): Promise<void> {
    const existing: string[] = [];
    for (const parent of parents) {
      const found = await this.db.get(
        'SELECT 1 AS found FROM rbac_roles WHERE tenant = ? AND role = ?',
        tenant,
        parent,
      );
      if (found !== undefined || parent === role) existing.push(parent);
    }
    await super.applyDefinition(audit, tenant, role, permissions, existing);
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => UnknownParentDropped.open(options);
