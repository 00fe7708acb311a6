/**
 * Bug: a user who holds no role is explained as 'no-matching-rule', hiding the difference between
 * "nobody gave this user any role" and "their roles do not cover this".
 * Violates: explain-no-match
 * Rejected by: explain-names-the-role
 */
import { SqlRbac, type Explanation, type Policy, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class NoRolesAsNoMatch extends SqlRbac {
  protected override decide(policy: Policy, permission: string): Explanation {
    const explanation = super.decide(policy, permission);
    return explanation.reason === 'no-roles' ? { granted: false, reason: 'no-matching-rule' } : explanation;
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => NoRolesAsNoMatch.open(options);
