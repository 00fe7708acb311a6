/**
 * Bug: asking about a user who holds no role in the tenant throws, as if the user did not exist,
 * instead of answering no: every service that checks a new user's access gets an error.
 * Violates: no-roles-not-error
 * Rejected by: deny-by-default
 */
import { SqlRbac, type Explanation, type Policy, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class NoRolesThrows extends SqlRbac {
  protected override decide(policy: Policy, permission: string): Explanation {
    if (policy.held.length === 0) throw new Error('unknown user: they hold no role in this tenant');
    return super.decide(policy, permission);
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => NoRolesThrows.open(options);
