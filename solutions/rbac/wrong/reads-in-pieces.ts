/**
 * Bug: a check reads the user's roles, then each role's rules and links, one statement at a time
 * outside any transaction. A change that commits in between is half seen: the roles from before it,
 * the rules from after it, a state the policy was never in.
 * Violates: checks-see-one-state
 * Rejected by: one-state-per-check
 */
import { SqlRbac, UnknownTenantError, type Policy, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class ReadsInPieces extends SqlRbac {
  protected override async readPolicy(tenant: string, userId: string): Promise<Policy> {
    const found = await this.db.get('SELECT 1 AS found FROM rbac_tenants WHERE tenant = ?', tenant);
    if (found === undefined) throw new UnknownTenantError(tenant);
    const held = (
      await this.db.all<{ role: string }>(
        'SELECT role FROM rbac_assignments WHERE tenant = ? AND user_id = ?',
        tenant,
        userId,
      )
    ).map((row) => row.role);
    const rules = new Map<string, string[]>();
    const links = new Map<string, string[]>();
    const pending = [...held];
    while (pending.length > 0) {
      const role = pending.shift()!;
      if (rules.has(role)) continue;
      const own = await this.db.all<{ rule: string }>(
        'SELECT rule FROM rbac_rules WHERE tenant = ? AND role = ?',
        tenant,
        role,
      );
      rules.set(
        role,
        own.map((row) => row.rule),
      );
      const parents = await this.db.all<{ parent: string }>(
        'SELECT parent FROM rbac_inherits WHERE tenant = ? AND role = ?',
        tenant,
        role,
      );
      links.set(
        role,
        parents.map((row) => row.parent),
      );
      pending.push(...parents.map((row) => row.parent));
    }
    return { held: held.sort(), rules, links };
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => ReadsInPieces.open(options);
