/**
 * Bug: a wildcard is matched as a string prefix: 'attendance:*' becomes startsWith('attendance'),
 * which also grants attendance-admin:edit and attendances:view.
 * Violates: wildcard-whole-action
 * Rejected by: wildcard-boundaries
 */
import { SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class WildcardPrefix extends SqlRbac {
  protected override ruleMatches(rule: string, permission: string): boolean {
    const [ruleResource, ruleAction] = (rule.startsWith('!') ? rule.slice(1) : rule).split(':');
    const [resource, action] = permission.split(':');
    if (ruleAction === '*') return permission.startsWith(ruleResource!);
    return resource === ruleResource && action === ruleAction;
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => WildcardPrefix.open(options);
