/**
 * Bug: the cache is keyed by user id alone. Once u7's acme policy is cached, asking about u7 in
 * globex gets acme's answer: hr in acme grants salary:view in globex for as long as the entry
 * lives.
 * Violates: tenant-isolation
 * Rejected by: tenant-isolation
 */
import { SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class CacheKeyWithoutTenant extends SqlRbac {
  protected override cacheKey(_tenant: string, userId: string): string {
    return userId;
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => CacheKeyWithoutTenant.open(options);
