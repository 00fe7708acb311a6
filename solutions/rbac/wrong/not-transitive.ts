/**
 * Bug: inheritance is followed one link only: a holder of payroll-manager gets hr's rules but not
 * employee's, which hr inherits. Deep hierarchies silently lose permissions.
 * Violates: inheritance-transitive
 * Rejected by: deep-inheritance, diamond-inheritance
 */
import { SqlRbac, UnknownTenantError, type Policy, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class NotTransitive extends SqlRbac {
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
        // Held roles and their direct parents only.
        if (depth > 1) return;
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

export const createRbac = (options: RbacOptions): Promise<Rbac> => NotTransitive.open(options);
