/**
 * Bug: every bad argument is answered with a TypeError saying only "invalid argument": the caller
 * cannot tell which argument was wrong or what it held.
 * Violates: bad-argument-message
 * Rejected by: bad-arguments
 */
import { SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

function vague(error: unknown): never {
  if (error instanceof RangeError) throw new RangeError('invalid argument');
  if (error instanceof TypeError) throw new TypeError('invalid argument');
  throw error;
}

export async function createRbac(options: RbacOptions): Promise<Rbac> {
  const rbac = await SqlRbac.open(options).catch(vague);
  return new Proxy(rbac, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args).catch(vague);
    },
  });
}
