/**
 * Bug: cached policies live until this instance makes a change, whatever cacheTtlMs says. Another
 * instance's revoke is never seen: the revoked user keeps access on this instance until it restarts
 * or changes something itself.
 * Violates: other-instances-within-ttl
 * Rejected by: two-instances, separate-processes, instances-match-model
 */
import { SqlRbac, type Policy, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class CacheNeverExpires extends SqlRbac {
  protected override cached(key: string): Policy | undefined {
    return this.cache.get(key)?.policy;
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => CacheNeverExpires.open(options);
