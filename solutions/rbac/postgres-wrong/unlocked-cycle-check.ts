/**
 * Bug: a change only checks that its tenant exists (a plain SELECT) instead of locking the tenant's
 * row, so two definitions made at once each walk the links without the other's new half and
 * together close a cycle.
 * Violates: changes-serializable
 * Rejected by: concurrent-cycle, concurrent-history
 *
 * Why only PostgreSQL: the change is still one transaction, and on SQLite that is enough. A
 * DEFERRED transaction that read and then writes after another connection committed gets
 * SQLITE_BUSY_SNAPSHOT, and the kit reruns the whole body, cycle check included, against the
 * winner's write. At READ COMMITTED nothing is rerun and readers never wait for writers: both
 * walks see the committed links only, both writes touch different rows, both commit.
 */
import { DualDialectRbac, UnknownTenantError, type RbacOptions, type Rbac } from './base/dual-dialect.ts';
import type { Queryable } from '../../../harness/kit/db/index.ts';

export * from './base/dual-dialect.ts';

class UnlockedCycleCheck extends DualDialectRbac {
  protected override async lockTenant(tx: Queryable, tenant: string): Promise<void> {
    const found = await this.get(tx, 'SELECT 1 AS found FROM rbac_tenants WHERE tenant = ?', tenant);
    if (found === undefined) throw new UnknownTenantError(tenant);
  }
}

export async function createRbac(options: RbacOptions): Promise<Rbac> {
  return UnlockedCycleCheck.open(options);
}
