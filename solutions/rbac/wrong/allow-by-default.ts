/**
 * Bug: when none of the user's rules mentions the permission, the answer is yes: only explicit
 * denies refuse. Every permission nobody thought to deny is open to every user who holds any role.
 * Violates: deny-by-default
 * Rejected by: deny-by-default
 */
import { SqlRbac, type Explanation, type Policy, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class AllowByDefault extends SqlRbac {
  protected override decide(policy: Policy, permission: string): Explanation {
    const explanation = super.decide(policy, permission);
    if (explanation.reason !== 'no-matching-rule') return explanation;
    return { granted: true, reason: 'allowed', role: policy.held[0]!, rule: '(default)', path: [policy.held[0]!] };
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => AllowByDefault.open(options);
