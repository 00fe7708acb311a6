/**
 * Bug: allow rules count only from the user's "primary" role (the first one held), though denies
 * are gathered from all of them: a user who holds two roles gets only what the first one allows.
 * Violates: allow-grants
 * Rejected by: deny-by-default
 */
import { SqlRbac, type Explanation, type Policy, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class PrimaryRoleOnly extends SqlRbac {
  protected override decide(policy: Policy, permission: string): Explanation {
    const everything = super.decide(policy, permission);
    if (everything.reason !== 'allowed') return everything;
    const primary = super.decide({ ...policy, held: policy.held.slice(0, 1) }, permission);
    return primary.reason === 'allowed' ? primary : { granted: false, reason: 'no-matching-rule' };
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => PrimaryRoleOnly.open(options);
