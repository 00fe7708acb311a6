/**
 * Bug: no cycle check: a definition that makes a role inherit itself is stored, and the next check
 * of a holder walks the cycle for ever (the walk keeps no visited set).
 * Violates: cycle-rejected
 * Rejected by: rejects-cycles
 */
import { SqlRbac, UnknownTenantError, type Policy, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class EndlessLoopOnCycle extends SqlRbac {
  // No cycle check: a definition may close a loop, which the walk below then follows forever.
  protected override async findCycle(): Promise<string[] | undefined> {
    return undefined;
  }

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
        void depth;
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

export const createRbac = (options: RbacOptions): Promise<Rbac> => EndlessLoopOnCycle.open(options);
