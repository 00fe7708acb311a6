/**
 * Bug: when no clock is passed, the service uses one that always reads 0, meant as a placeholder for
 * tests: every audit entry of a production deployment says it happened in 1970.
 * Violates: clock-default
 * Rejected by: options
 */
import { SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

export const createRbac = (options: RbacOptions): Promise<Rbac> =>
  SqlRbac.open({ ...options, now: options?.now ?? (() => 0) });
