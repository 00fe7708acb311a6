/**
 * Bug: every audit entry, rejected ones included, is written inside the change's transaction, and a
 * refused change rolls that transaction back: the log shows only what succeeded, never the
 * attempts.
 * Violates: audit-every-change
 * Rejected by: audit-trail, unknown-names
 */
import type { Queryable } from '../../../harness/kit/db/types.ts';
import { SqlRbac, insertAudit, isRefusal, type AuditRecord, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class RejectedChangesNotAudited extends SqlRbac {
  protected override async change(record: AuditRecord, apply: (tx: Queryable) => Promise<void>): Promise<void> {
    const at = this.now();
    await this.db.transaction(
      async (tx) => {
        try {
          await apply(tx);
        } catch (error) {
          if (isRefusal(error)) await insertAudit(tx, record, at, 'rejected', error.code);
          throw error;
        }
        await insertAudit(tx, record, at, 'applied', null);
      },
      { mode: 'immediate' },
    );
    this.invalidate();
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => RejectedChangesNotAudited.open(options);
