/**
 * Bug: an applied change's audit entry is written after the change commits, in a statement of its
 * own. If that statement fails (a full disk) or the instance dies in between, the change stands with
 * no entry, and the caller is told it failed.
 * Violates: changes-atomic
 * Rejected by: faults-leave-no-trace
 */
import type { Queryable } from '../../../harness/kit/db/types.ts';
import { SqlRbac, insertAudit, isRefusal, type AuditRecord, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class AuditAfterCommit extends SqlRbac {
  protected override async change(record: AuditRecord, apply: (tx: Queryable) => Promise<void>): Promise<void> {
    const at = this.now();
    try {
      await this.db.transaction((tx) => apply(tx), { mode: 'immediate' });
    } catch (error) {
      if (isRefusal(error)) await insertAudit(this.db, record, at, 'rejected', error.code);
      throw error;
    }
    this.invalidate();
    // Logged once the change is safely in.
    await insertAudit(this.db, record, at, 'applied', null);
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => AuditAfterCommit.open(options);
