/**
 * Bug: with no cacheTtlMs, answers are cached for a minute "to be safe on load". The README's
 * default is 0, no cache: another instance's revoke should be honoured by the very next check, and
 * here it takes a minute.
 * Violates: cache-ttl-default
 * Rejected by: options
 */
import { SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

export const createRbac = (options: RbacOptions): Promise<Rbac> =>
  SqlRbac.open({ ...options, cacheTtlMs: options?.cacheTtlMs ?? 60_000 });
