/**
 * Bug: a cached answer is served while `now - readAt <= cacheTtlMs`, one millisecond too long: a
 * check that starts exactly cacheTtlMs after another instance's change still gets the old answer.
 * Violates: other-instances-within-ttl
 * Rejected by: two-instances
 */
import { SqlRbac, type Policy, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class ExpiryOffByOne extends SqlRbac {
  protected override cached(key: string, startedAt: number): Policy | undefined {
    const cached = this.cache.get(key);
    if (cached !== undefined && startedAt - cached.readAt <= this.cacheTtlMs) return cached.policy;
    return undefined;
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => ExpiryOffByOne.open(options);
