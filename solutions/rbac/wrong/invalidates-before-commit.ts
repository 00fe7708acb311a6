/**
 * Bug: the cache is cleared (and the generation bumped) before the change is written. A check that
 * starts in between reads the old state under the new generation and stores it; after the revoke
 * commits, that entry keeps granting.
 * Violates: own-changes-at-once
 * Rejected by: revoke-race
 */
import type { Queryable } from '../../../harness/kit/db/types.ts';
import { SqlRbac, type AuditRecord, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class InvalidatesBeforeCommit extends SqlRbac {
  protected override async change(record: AuditRecord, apply: (tx: Queryable) => Promise<void>): Promise<void> {
    super.invalidate();
    await super.change(record, apply);
  }

  // Nothing after commit: the cache was already cleared before the change was written.
  protected override invalidate(): void {}
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => InvalidatesBeforeCommit.open(options);
