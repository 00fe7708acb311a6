/**
 * Bug: ids are "sanitised": only letters, digits and _ . @ - are allowed in tenants, roles and user
 * ids, so a tenant called "acme " or a role called "hr/ops" is refused, though any non-empty string
 * is an id.
 * Violates: ids-any-string
 * Rejected by: identifiers-exact
 */
import { SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

const SAFE_ID = /^[\p{L}\p{N}_.@-]+$/u;

/** The positions of the ids in each method's arguments. */
const ID_ARGUMENTS: Record<string, number[]> = {
  createTenant: [0],
  defineRole: [0, 1],
  deleteRole: [0, 1],
  assignRole: [0, 1, 2],
  revokeRole: [0, 1, 2],
  can: [0],
  explain: [0],
  auditLog: [0],
};

export async function createRbac(options: RbacOptions): Promise<Rbac> {
  const rbac = await SqlRbac.open(options);
  return new Proxy(rbac, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      const positions = typeof property === 'string' ? ID_ARGUMENTS[property] : undefined;
      if (typeof value !== 'function' || positions === undefined) return value;
      return async (...args: unknown[]) => {
        for (const position of positions) {
          const id = args[position];
          if (typeof id === 'string' && id !== '' && !SAFE_ID.test(id)) {
            throw new TypeError(
              `${String(property)}: ids may hold only letters, digits and _ . @ -, received ${JSON.stringify(id)}`,
            );
          }
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
