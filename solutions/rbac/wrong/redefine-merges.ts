/**
 * Bug: defining a role that exists adds the new rules and links to the old ones instead of
 * replacing them, so a role redefined without salary:view keeps granting it.
 * Violates: define-replaces
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

async function mergeRole(
  tx: Queryable,
  tenant: string,
  role: string,
  rules: readonly string[],
  parents: readonly string[],
) {
  await tx.run('INSERT OR IGNORE INTO rbac_roles (tenant, role) VALUES (?, ?)', tenant, role);
  for (const rule of rules)
    await tx.run('INSERT OR IGNORE INTO rbac_rules (tenant, role, rule) VALUES (?, ?, ?)', tenant, role, rule);
  for (const parent of parents) {
    await tx.run('INSERT OR IGNORE INTO rbac_inherits (tenant, role, parent) VALUES (?, ?, ?)', tenant, role, parent);
  }
}

class RedefineMerges extends SqlRbac {
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
      await mergeRole(tx, tenant, role, permissions, parents);
    });
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => RedefineMerges.open(options);
