/**
 * Bug: the cycle check reads the role graph before the write transaction begins. Two instances
 * adding auditor -> accountant and accountant -> auditor at once both see no cycle, both write, and
 * the graph now holds one.
 * Violates: changes-serializable
 * Rejected by: concurrent-cycle, concurrent-history, worker-history
 */
import {
  RoleCycleError,
  SqlRbac,
  requireRole,
  requireTenant,
  writeRole,
  type AuditRecord,
  type Rbac,
  type RbacOptions,
} from '../index.ts';

export * from '../index.ts';

class CycleCheckOutsideTransaction extends SqlRbac {
  protected override async applyDefinition(
    audit: AuditRecord,
    tenant: string,
    role: string,
    permissions: readonly string[],
    parents: readonly string[],
  ): Promise<void> {
    // Checked before the write transaction, so the write lock is held as briefly as possible.
    const cycle = await this.findCycle(this.db, tenant, role, parents);
    await this.change(audit, async (tx) => {
      await requireTenant(tx, tenant);
      for (const parent of parents) if (parent !== role) await requireRole(tx, tenant, parent);
      if (cycle) throw new RoleCycleError(tenant, cycle);
      await writeRole(tx, tenant, role, permissions, parents);
    });
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => CycleCheckOutsideTransaction.open(options);
