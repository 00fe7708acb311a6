/**
 * Bug: definitions are serialised by a mutex in module memory, and the cycle check runs outside any
 * database transaction. Within one process that is safe; two app instances each hold their own
 * mutex, check at the same time and close a cycle together.
 * Violates: changes-serializable
 * Rejected by: concurrent-cycle, worker-history
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

/** One definition at a time in this process: each waits for the previous one to settle. */
let defineQueue: Promise<void> = Promise.resolve();

async function acquireDefineLock(): Promise<() => void> {
  let release!: () => void;
  const previous = defineQueue;
  defineQueue = new Promise<void>((resolve) => {
    release = resolve;
  });
  await previous;
  return release;
}

class ProcessLocalLock extends SqlRbac {
  protected override async applyDefinition(
    audit: AuditRecord,
    tenant: string,
    role: string,
    permissions: readonly string[],
    parents: readonly string[],
  ): Promise<void> {
    const release = await acquireDefineLock();
    try {
      await this.defineLocked(audit, tenant, role, permissions, parents);
    } finally {
      release();
    }
  }

  private async defineLocked(
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

export const createRbac = (options: RbacOptions): Promise<Rbac> => ProcessLocalLock.open(options);
