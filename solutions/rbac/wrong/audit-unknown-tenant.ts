/**
 * Bug: a change naming a tenant that does not exist is logged as rejected under that tenant's name.
 * Nobody sees it until the tenant is created: then its log starts with entries from before it
 * existed, made by whoever probed the name.
 * Violates: audit-no-stray-entries
 * Rejected by: unknown-names
 */
import type { Queryable } from '../../../harness/kit/db/types.ts';
import { SqlRbac, UnknownTenantError, insertAudit, type AuditRecord, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class AuditUnknownTenant extends SqlRbac {
  protected override async change(record: AuditRecord, apply: (tx: Queryable) => Promise<void>): Promise<void> {
    try {
      await super.change(record, apply);
    } catch (error) {
      if (error instanceof UnknownTenantError) await insertAudit(this.db, record, this.now(), 'rejected', error.code);
      throw error;
    }
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => AuditUnknownTenant.open(options);
