/**
 * Bug: the decision query looks up the user's roles, links and rules by name in every tenant, so an
 * hr role held in acme grants salary:view in globex too, and acme's hr rules apply to globex users
 * holding a role called hr.
 * Violates: tenant-isolation
 * Rejected by: tenant-isolation, matches-model
 */
import { SqlRbac, readPolicy, type Policy, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

const POLICY_SQL = `
  WITH RECURSIVE reach(role) AS (
    SELECT role FROM rbac_assignments WHERE user_id = :user
    UNION
    SELECT link.parent FROM reach CROSS JOIN rbac_inherits link ON link.role = reach.role
  )
  SELECT 'tenant' AS kind, tenant AS role, NULL AS value FROM rbac_tenants WHERE tenant = :tenant
  UNION ALL
  SELECT 'held', role, NULL FROM rbac_assignments WHERE user_id = :user
  UNION ALL
  SELECT 'rule', reach.role, granted.rule
    FROM reach CROSS JOIN rbac_rules granted ON granted.role = reach.role
  UNION ALL
  SELECT 'link', reach.role, link.parent
    FROM reach CROSS JOIN rbac_inherits link ON link.role = reach.role
`;

class TenantIgnored extends SqlRbac {
  protected override readPolicy(tenant: string, userId: string): Promise<Policy> {
    return readPolicy(this.db, tenant, userId, POLICY_SQL);
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => TenantIgnored.open(options);
