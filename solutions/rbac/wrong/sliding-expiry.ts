/**
 * Bug: every cache hit restamps the entry, so expiry counts from the last use instead of from the
 * read. A user checked at least once per cacheTtlMs on another instance keeps a revoked permission
 * forever.
 * Violates: other-instances-within-ttl
 * Rejected by: two-instances
 */
import { SqlRbac, type Policy, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class SlidingExpiry extends SqlRbac {
  protected override cached(key: string, startedAt: number): Policy | undefined {
    const cached = this.cache.get(key);
    if (cached !== undefined && startedAt - cached.readAt < this.cacheTtlMs) {
      this.cache.set(key, { policy: cached.policy, readAt: startedAt });
      return cached.policy;
    }
    return undefined;
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => SlidingExpiry.open(options);
