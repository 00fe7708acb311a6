/**
 * Bug: the cache stamps and expires its entries with Date.now() instead of the injected clock. In
 * production the two agree; here, and wherever time is simulated, entries never age, so another
 * instance's revoke is never seen on this one.
 * Violates: clock-injected
 * Rejected by: two-instances
 */
import { SqlRbac, type Policy, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class ExpiryOnWallClock extends SqlRbac {
  protected override async policy(tenant: string, userId: string): Promise<Policy> {
    const key = this.cacheKey(tenant, userId);
    const startedAt = Date.now();
    const cached = this.cached(key, startedAt);
    if (cached !== undefined) return cached;
    const generation = this.generation;
    const policy = await this.readPolicy(tenant, userId);
    if (this.cacheTtlMs > 0 && this.unchangedSince(generation)) this.cache.set(key, { policy, readAt: startedAt });
    return policy;
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => ExpiryOnWallClock.open(options);
