/**
 * Bug: cacheTtlMs is checked with `ttl < 0` only, and NaN is not less than 0, so NaN is accepted
 * (and then read as "no cache", since nothing is less than NaN).
 * Violates: bad-cache-ttl
 * Rejected by: bad-arguments, options
 */
import { SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

export const createRbac = (options: RbacOptions): Promise<Rbac> =>
  SqlRbac.open(Number.isNaN(options?.cacheTtlMs) ? { ...options, cacheTtlMs: 0 } : options);
