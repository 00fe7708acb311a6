/**
 * Bug: a change takes its tenant's row FOR SHARE ("it only has to stay put") and later bumps the
 * tenant's version with an UPDATE, so two changes of one tenant at once each hold the share lock
 * and wait for the other to release it: a deadlock (40P01) that nobody retries.
 * Violates: changes-serializable
 * Rejected by: concurrent-cycle, concurrent-history
 *
 * Why only PostgreSQL: SQLite has no row locks (the clause is dropped there) and one writer at a
 * time: the second transaction's UPDATE meets SQLITE_BUSY, the kit rolls it back, waits, and
 * reruns it after the first commits. PostgreSQL grants both share locks, and when both ask to
 * upgrade, its deadlock detector aborts one of them and hands the error to the caller.
 */
import { DualDialectRbac, UnknownTenantError, type RbacOptions, type Rbac } from './base/dual-dialect.ts';
import type { Queryable } from '../../../harness/kit/db/index.ts';

export * from './base/dual-dialect.ts';

class ShareLockUpgrade extends DualDialectRbac {
  protected override async lockTenant(tx: Queryable, tenant: string): Promise<void> {
    const found = await this.get(tx, 'SELECT 1 AS found FROM rbac_tenants WHERE tenant = ? FOR SHARE', tenant);
    if (found === undefined) throw new UnknownTenantError(tenant);
  }
}

export async function createRbac(options: RbacOptions): Promise<Rbac> {
  return ShareLockUpgrade.open(options);
}
