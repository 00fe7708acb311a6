/**
 * Bug: the cache is a module-level Map cleared on every change and never expired. Two instances in
 * one process share it, so every one-process test passes; real instances are separate processes,
 * and one of them never hears of the other's revoke.
 * Violates: other-instances-within-ttl
 * Rejected by: separate-processes
 */
import { SqlRbac, type CachedPolicy, type Policy, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

/** One cache for every instance in the process: a change anywhere in the process clears it. */
const sharedCache = new Map<string, CachedPolicy>();

class SharedModuleCache extends SqlRbac {
  protected override readonly cache = sharedCache;

  protected override cached(key: string): Policy | undefined {
    return this.cache.get(key)?.policy;
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => SharedModuleCache.open(options);
