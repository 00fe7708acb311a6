/**
 * Bug: a change without a usable `by` is recorded as made by "anonymous" instead of being refused,
 * so the audit trail cannot say who did it.
 * Violates: bad-by
 * Rejected by: bad-arguments
 */
import { SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

const CHANGES = new Set(['createTenant', 'defineRole', 'deleteRole', 'assignRole', 'revokeRole']);
const ARITY: Record<string, number> = { createTenant: 2, defineRole: 4, deleteRole: 3, assignRole: 4, revokeRole: 4 };

function withAuthor(options: unknown): unknown {
  if (typeof options !== 'object' || options === null) return { by: 'anonymous' };
  const by = (options as { by?: unknown }).by;
  return typeof by === 'string' && by !== '' ? options : { ...options, by: 'anonymous' };
}

export async function createRbac(options: RbacOptions): Promise<Rbac> {
  const rbac = await SqlRbac.open(options);
  return new Proxy(rbac, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string' || !CHANGES.has(property)) return value;
      return (...args: unknown[]) => {
        const last = ARITY[property]! - 1;
        const fixed = Array.from({ length: ARITY[property]! }, (_, index) =>
          index === last ? withAuthor(args[index]) : args[index],
        );
        return (value as (...a: unknown[]) => unknown).apply(target, fixed);
      };
    },
  });
}
