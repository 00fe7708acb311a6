/**
 * Bug: audit entries are stamped with Date.now() instead of the injected clock, so their times
 * disagree with the rest of the system (and cannot be tested).
 * Violates: audit-at
 * Rejected by: audit-trail
 */
import type { Queryable } from '../../../harness/kit/db/types.ts';
import { SqlRbac, insertAudit, isRefusal, type AuditRecord, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class AuditWallClock extends SqlRbac {
  protected override async change(record: AuditRecord, apply: (tx: Queryable) => Promise<void>): Promise<void> {
    const at = Date.now();
    try {
      await this.db.transaction(
        async (tx) => {
          await apply(tx);
          await insertAudit(tx, record, at, 'applied', null);
        },
        { mode: 'immediate' },
      );
    } catch (error) {
      if (isRefusal(error)) await insertAudit(this.db, record, at, 'rejected', error.code);
      throw error;
    }
    this.invalidate();
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => AuditWallClock.open(options);
