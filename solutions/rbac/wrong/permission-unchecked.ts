/**
 * Bug: explain (and so can) never checks the permission it is asked about: `salary`, `a:b:c` or an
 * empty string get an answer (no) instead of an error that says the question was malformed.
 * Violates: bad-permission
 * Rejected by: bad-arguments
 */
import {
  SqlRbac,
  describe,
  requireId,
  type CheckOptions,
  type Explanation,
  type Rbac,
  type RbacOptions,
} from '../index.ts';

export * from '../index.ts';

class PermissionUnchecked extends SqlRbac {
  override async explain(userId: string, permission: string, options: CheckOptions): Promise<Explanation> {
    requireId('userId', userId);
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options must be an object with a tenant, received ${describe(options)}`);
    }
    requireId('options.tenant', options.tenant);
    return this.decide(await this.policy(options.tenant, userId), String(permission));
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => PermissionUnchecked.open(options);
