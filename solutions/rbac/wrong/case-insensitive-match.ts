/**
 * Bug: rules match permissions without regard to case ("to be forgiving"), so `salary:view` also
 * grants `Salary:view` and `SALARY:VIEW`, which are other permissions.
 * Violates: permission-exact
 * Rejected by: wildcard-boundaries
 */
import { SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class CaseInsensitiveMatch extends SqlRbac {
  protected override ruleMatches(rule: string, permission: string): boolean {
    return super.ruleMatches(rule.toLowerCase(), permission.toLowerCase());
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => CaseInsensitiveMatch.open(options);
