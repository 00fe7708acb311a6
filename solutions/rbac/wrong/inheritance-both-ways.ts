/**
 * Bug: the decision walks the inheritance links both ways, to parents and to children, so an
 * employee gets every rule of hr, which inherits employee, and of every role above it.
 * Violates: inheritance-one-way
 * Rejected by: deep-inheritance
 */
import { SqlRbac, readPolicy, type Policy, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

const BOTH_WAYS_SQL = `
  WITH RECURSIVE edge(role, other) AS (
    SELECT role, parent FROM rbac_inherits WHERE tenant = :tenant
    UNION ALL
    SELECT parent, role FROM rbac_inherits WHERE tenant = :tenant
  ),
  reach(role) AS (
    SELECT role FROM rbac_assignments WHERE tenant = :tenant AND user_id = :user
    UNION
    SELECT edge.other FROM reach JOIN edge ON edge.role = reach.role
  )
  SELECT 'tenant' AS kind, tenant AS role, NULL AS value FROM rbac_tenants WHERE tenant = :tenant
  UNION ALL
  SELECT 'held', role, NULL FROM rbac_assignments WHERE tenant = :tenant AND user_id = :user
  UNION ALL
  SELECT 'rule', reach.role, granted.rule
    FROM reach CROSS JOIN rbac_rules granted ON granted.tenant = :tenant AND granted.role = reach.role
  UNION ALL
  SELECT 'link', reach.role, edge.other FROM reach JOIN edge ON edge.role = reach.role
`;

class InheritanceBothWays extends SqlRbac {
  protected override readPolicy(tenant: string, userId: string): Promise<Policy> {
    return readPolicy(this.db, tenant, userId, BOTH_WAYS_SQL);
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => InheritanceBothWays.open(options);
