/**
 * Bug: changes never touch the cache: a revoke, a delete or a redefinition only takes effect on
 * this instance when the cached entry expires, so a revoked hr user keeps salary:view for up to
 * cacheTtlMs.
 * Violates: own-changes-at-once
 * Rejected by: changes-apply-at-once, revoke-race
 */
import { SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class StaleCacheAfterRevoke extends SqlRbac {
  protected override invalidate(): void {}
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => StaleCacheAfterRevoke.open(options);
