/**
 * Bug: a `now` that is not a function is quietly replaced by Date.now, so a caller who passed the
 * clock's reading (`now: clock.now()`) instead of the function gets audit times and cache expiry
 * from the wall clock, and no error says why.
 * Violates: bad-options
 * Rejected by: bad-arguments
 */
import { SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

export const createRbac = (options: RbacOptions): Promise<Rbac> =>
  SqlRbac.open(
    typeof options === 'object' && options !== null && options.now !== undefined && typeof options.now !== 'function'
      ? { ...options, now: Date.now }
      : options,
  );
