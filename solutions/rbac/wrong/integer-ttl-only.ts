/**
 * Bug: cacheTtlMs must be a whole number of milliseconds, so 0.5, 2.5 and Infinity are refused, though
 * the README allows any number from 0 up.
 * Violates: cache-ttl-range
 * Rejected by: options
 */
import { SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

export async function createRbac(options: RbacOptions): Promise<Rbac> {
  const ttl = options?.cacheTtlMs;
  if (typeof ttl === 'number' && ttl >= 0 && !Number.isSafeInteger(ttl)) {
    throw new RangeError(`options.cacheTtlMs must be a whole number of milliseconds, received ${ttl}`);
  }
  return SqlRbac.open(options);
}
