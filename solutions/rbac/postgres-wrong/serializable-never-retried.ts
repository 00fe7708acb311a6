/**
 * Bug: changes run at SERIALIZABLE instead of locking the tenant's row, and a serialization failure
 * (40001) is never retried: it reaches the caller, so a valid change made beside another one in the
 * same tenant is lost.
 * Violates: changes-serializable
 * Rejected by: concurrent-cycle, concurrent-history
 *
 * Why only PostgreSQL: SQLite accepts `isolation: 'serializable'` (it is always serializable) and
 * its kit reruns a body whose snapshot went stale, so no error ever reaches the code. PostgreSQL's
 * serializable snapshot isolation aborts one of two transactions that read what the other wrote
 * (here the tenant's version and the links a cycle check walks) with 40001, and the kit leaves the
 * retry to the caller.
 */
import { DualDialectRbac, UnknownTenantError, type RbacOptions, type Rbac } from './base/dual-dialect.ts';
import type { Queryable, TransactionOptions } from '../../../harness/kit/db/index.ts';

export * from './base/dual-dialect.ts';

class SerializableNeverRetried extends DualDialectRbac {
  protected override transactionOptions(): TransactionOptions {
    return { isolation: 'serializable' };
  }

  /** "SERIALIZABLE makes it safe": no lock, just the existence check. */
  protected override async lockTenant(tx: Queryable, tenant: string): Promise<void> {
    const found = await this.get(tx, 'SELECT 1 AS found FROM rbac_tenants WHERE tenant = ?', tenant);
    if (found === undefined) throw new UnknownTenantError(tenant);
  }
}

export async function createRbac(options: RbacOptions): Promise<Rbac> {
  return SerializableNeverRetried.open(options);
}
