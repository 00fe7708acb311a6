/**
 * Bug: can() returns early, with nothing, for a user who holds no role, so callers get undefined
 * where the README promises the boolean false (and `=== false` checks treat it as allowed).
 * Violates: can-matches-explain
 * Rejected by: explain-names-the-role
 */
import { SqlRbac, type CheckOptions, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class CanUndefinedWithoutRoles extends SqlRbac {
  override async can(userId: string, permission: string, options: CheckOptions): Promise<boolean> {
    const explanation = await this.explain(userId, permission, options);
    if (explanation.reason === 'no-roles') return undefined as unknown as boolean;
    return explanation.granted;
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => CanUndefinedWithoutRoles.open(options);
