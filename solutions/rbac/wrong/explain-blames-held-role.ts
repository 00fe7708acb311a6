/**
 * Bug: explain names the role the user holds instead of the role whose rule matched, with a
 * one-element path: for an inherited permission it points auditors at a role that has no such rule.
 * Violates: explain-allowed
 * Rejected by: explain-names-the-role
 */
import { SqlRbac, type Explanation, type Policy, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class ExplainBlamesHeldRole extends SqlRbac {
  protected override decide(policy: Policy, permission: string): Explanation {
    const explanation = super.decide(policy, permission);
    if (!explanation.granted) return explanation;
    const holder = explanation.path[0]!;
    return { granted: true, reason: 'allowed', role: holder, rule: explanation.rule, path: [holder] };
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => ExplainBlamesHeldRole.open(options);
