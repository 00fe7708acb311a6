/**
 * Bug: rules are read in order and the first one that matches decides, like a firewall table.
 * Whether a deny wins now depends on the order roles were assigned and rules were listed: hr then
 * suspended still grants salary:view.
 * Violates: deny-overrides
 * Rejected by: deny-overrides-allow
 */
import {
  SCHEMA,
  SqlRbac,
  UnknownTenantError,
  pathTo,
  type Explanation,
  type Policy,
  type Rbac,
  type RbacOptions,
} from '../index.ts';

export * from '../index.ts';

/**
 * The reference's schema with one passage changed. Throws when the passage is gone, so an edit of
 * SCHEMA cannot quietly take this bug away.
 */
function editSchema(schema: string, from: string, to: string): string {
  if (!schema.includes(from))
    throw new Error(`SCHEMA no longer contains ${JSON.stringify(from)}: update this wrong file`);
  return schema.replace(from, to);
}

class FirstMatchWins extends SqlRbac {
  // Rules and assignments keep a rowid, so they can be read back in the order they were written.
  protected override async migrate(): Promise<void> {
    const schema = editSchema(
      editSchema(
        SCHEMA,
        'rule TEXT NOT NULL, PRIMARY KEY (tenant, role, rule)\n  ) WITHOUT ROWID;',
        'rule TEXT NOT NULL, PRIMARY KEY (tenant, role, rule)\n  );',
      ),
      'role TEXT NOT NULL, PRIMARY KEY (tenant, user_id, role)\n  ) WITHOUT ROWID;',
      'role TEXT NOT NULL, PRIMARY KEY (tenant, user_id, role)\n  );',
    );
    await this.db.transaction((tx) => tx.exec(schema), { mode: 'immediate' });
  }

  protected override async readPolicy(tenant: string, userId: string): Promise<Policy> {
    // One read transaction, so the reads below see one snapshot, as the reference's single statement does.
    return this.db.transaction(async (db) => {
      const found = await db.get('SELECT 1 AS found FROM rbac_tenants WHERE tenant = ?', tenant);
      if (found === undefined) throw new UnknownTenantError(tenant);
      // Rows in the order they were written: roles in assignment order, rules in the order listed.
      const held = (
        await db.all<{ role: string }>(
          'SELECT role FROM rbac_assignments WHERE tenant = ? AND user_id = ? ORDER BY rowid',
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
        const own = await db.all<{ rule: string }>(
          'SELECT rule FROM rbac_rules WHERE tenant = ? AND role = ? ORDER BY rowid',
          tenant,
          role,
        );
        rules.set(
          role,
          own.map((row) => row.rule),
        );
        const parents = await db.all<{ parent: string }>(
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
      return { held, rules, links };
    });
  }

  protected override decide(policy: Policy, permission: string): Explanation {
    if (policy.held.length === 0) return { granted: false, reason: 'no-roles' };
    const cameFrom = new Map<string, string | null>(policy.held.map((role) => [role, null]));
    const queue = [...policy.held];
    for (let index = 0; index < queue.length; index++) {
      const role = queue[index]!;
      for (const rule of policy.rules.get(role) ?? []) {
        if (!this.ruleMatches(rule, permission)) continue;
        if (rule.startsWith('!')) return { granted: false, reason: 'denied', role, rule, path: pathTo(cameFrom, role) };
        return { granted: true, reason: 'allowed', role, rule, path: pathTo(cameFrom, role) };
      }
      for (const parent of policy.links.get(role) ?? []) {
        if (cameFrom.has(parent)) continue;
        cameFrom.set(parent, role);
        queue.push(parent);
      }
    }
    return { granted: false, reason: 'no-matching-rule' };
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => FirstMatchWins.open(options);
