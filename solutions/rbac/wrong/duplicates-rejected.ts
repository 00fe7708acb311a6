/**
 * Bug: rules are inserted as listed, without removing repeats, so a definition that lists a rule
 * twice hits the table's primary key and fails with a database error instead of counting it once.
 * Violates: duplicates-allowed
 * Rejected by: redefinition
 */
import type { Queryable } from '../../../harness/kit/db/types.ts';
import {
  RoleCycleError,
  SqlRbac,
  requireRole,
  requireTenant,
  type AuditRecord,
  type Rbac,
  type RbacOptions,
} from '../index.ts';

export * from '../index.ts';

async function writeAsListed(
  tx: Queryable,
  tenant: string,
  role: string,
  rules: readonly string[],
  parents: readonly string[],
) {
  await tx.run('INSERT OR IGNORE INTO rbac_roles (tenant, role) VALUES (?, ?)', tenant, role);
  await tx.run('DELETE FROM rbac_rules WHERE tenant = ? AND role = ?', tenant, role);
  await tx.run('DELETE FROM rbac_inherits WHERE tenant = ? AND role = ?', tenant, role);
  for (const rule of rules)
    await tx.run('INSERT INTO rbac_rules (tenant, role, rule) VALUES (?, ?, ?)', tenant, role, rule);
  for (const parent of parents)
    await tx.run('INSERT INTO rbac_inherits (tenant, role, parent) VALUES (?, ?, ?)', tenant, role, parent);
}

class DuplicatesRejected extends SqlRbac {
  protected override async applyDefinition(
    audit: AuditRecord,
    tenant: string,
    role: string,
    permissions: readonly string[],
    parents: readonly string[],
  ): Promise<void> {
    await this.change(audit, async (tx) => {
      await requireTenant(tx, tenant);
      for (const parent of parents) if (parent !== role) await requireRole(tx, tenant, parent);
      const cycle = await this.findCycle(tx, tenant, role, parents);
      if (cycle) throw new RoleCycleError(tenant, cycle);
      await writeAsListed(tx, tenant, role, permissions, parents);
    });
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => DuplicatesRejected.open(options);
