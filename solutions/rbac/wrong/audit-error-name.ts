/**
 * Bug: a rejected entry records the error's class name (UnknownRoleError) instead of its code
 * (ERR_RBAC_UNKNOWN_ROLE), so tools that match on the stable codes find nothing.
 * Violates: audit-outcome
 * Rejected by: audit-trail
 */
import type { Queryable } from '../../../harness/kit/db/types.ts';
import { SqlRbac, insertAudit, isRefusal, type AuditRecord, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class AuditErrorName extends SqlRbac {
  protected override async change(record: AuditRecord, apply: (tx: Queryable) => Promise<void>): Promise<void> {
    const at = this.now();
    try {
      await this.db.transaction(
        async (tx) => {
          await apply(tx);
          await insertAudit(tx, record, at, 'applied', null);
        },
        { mode: 'immediate' },
      );
    } catch (error) {
      if (isRefusal(error)) await insertAudit(this.db, record, at, 'rejected', error.name);
      throw error;
    }
    this.invalidate();
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => AuditErrorName.open(options);
