/**
 * Bug: an explanation's path runs from the role whose rule matched down to the role the user holds,
 * the wrong way round: ['hr', 'payroll-manager'] instead of ['payroll-manager', 'hr'].
 * Violates: explain-path
 * Rejected by: explain-names-the-role
 */
import { SqlRbac, type Explanation, type Policy, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class PathReversed extends SqlRbac {
  protected override decide(policy: Policy, permission: string): Explanation {
    const explanation = super.decide(policy, permission);
    return 'path' in explanation ? { ...explanation, path: [...explanation.path].reverse() } : explanation;
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => PathReversed.open(options);
