/**
 * Bug: a denied explanation names the deny rule without its '!', so the rule shown
 * (`salary:view`) reads like the allow it overrode, and matches no rule written in the role.
 * Violates: explain-denied
 * Rejected by: explain-names-the-role
 */
import { SqlRbac, type Explanation, type Policy, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class DeniedRuleWithoutBang extends SqlRbac {
  protected override decide(policy: Policy, permission: string): Explanation {
    const explanation = super.decide(policy, permission);
    return explanation.reason === 'denied' ? { ...explanation, rule: explanation.rule.slice(1) } : explanation;
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => DeniedRuleWithoutBang.open(options);
