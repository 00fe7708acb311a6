/**
 * Bug: inheritance is followed for at most 10 links, like casbin's default role manager: beyond
 * that the walk stops and the answer is a silent no, so a holder of a role 11 or more links below
 * the grant is refused.
 * Violates: inheritance-transitive
 * Rejected by: deep-inheritance
 */
import { SqlRbac, UnknownTenantError, type Policy, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class DepthLimit10 extends SqlRbac {
  protected override async readPolicy(tenant: string, userId: string): Promise<Policy> {
    // One read transaction, so the reads below see one snapshot, as the reference's single statement does.
    return this.db.transaction(async (db) => {
      const found = await db.get('SELECT 1 AS found FROM rbac_tenants WHERE tenant = ?', tenant);
      if (found === undefined) throw new UnknownTenantError(tenant);
      const held = (
        await db.all<{ role: string }>(
          'SELECT role FROM rbac_assignments WHERE tenant = ? AND user_id = ?',
          tenant,
          userId,
        )
      ).map((row) => row.role);
      const rules = new Map<string, string[]>();
      const links = new Map<string, string[]>();
      const walk = async (role: string, depth: number): Promise<void> => {
        // A hierarchy deeper than this is assumed to be a mistake.
        if (depth > 10) return;
        const own = await db.all<{ rule: string }>(
          'SELECT rule FROM rbac_rules WHERE tenant = ? AND role = ?',
          tenant,
          role,
        );
        rules.set(role, [...(rules.get(role) ?? []), ...own.map((row) => row.rule)]);
        const parents = await db.all<{ parent: string }>(
          'SELECT parent FROM rbac_inherits WHERE tenant = ? AND role = ?',
          tenant,
          role,
        );
        links.set(
          role,
          parents.map((row) => row.parent),
        );
        for (const { parent } of parents) await walk(parent, depth + 1);
      };
      for (const role of held) await walk(role, 0);
      return { held: held.sort(), rules, links };
    });
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => DepthLimit10.open(options);
