/**
 * Bug: rules are compiled to regular expressions by replacing '*' with '.*' and nothing else is
 * escaped, so the '.' in 'v1.payroll:*' matches any character and v1-payroll:run is granted.
 * Violates: wildcard-whole-action
 * Rejected by: wildcard-boundaries
 */
import { SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class WildcardRegex extends SqlRbac {
  protected override ruleMatches(rule: string, permission: string): boolean {
    const body = rule.startsWith('!') ? rule.slice(1) : rule;
    return new RegExp(`^${body.replaceAll('*', '.*')}$`).test(permission);
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => WildcardRegex.open(options);
