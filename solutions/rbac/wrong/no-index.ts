/**
 * Bug: the assignments table has no key or index, so every check reads all assignments of every
 * tenant to find one user's roles: fine with 20 users, a full table scan per request with 200,000.
 * Violates: lookups-indexed
 * Rejected by: indexed-lookups
 */
import type { Queryable } from '../../../harness/kit/db/types.ts';
import { SCHEMA, SqlRbac, requireRole, type Rbac, type RbacOptions } from '../index.ts';

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

class NoIndex extends SqlRbac {
  protected override async migrate(): Promise<void> {
    const schema = editSchema(
      SCHEMA,
      `tenant TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (tenant, user_id, role)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS rbac_assignments_by_role ON rbac_assignments (tenant, role);`,
      `tenant TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL
  );`,
    );
    await this.db.transaction((tx) => tx.exec(schema), { mode: 'immediate' });
  }

  protected override async assign(tx: Queryable, tenant: string, userId: string, role: string): Promise<void> {
    await requireRole(tx, tenant, role);
    await tx.run('DELETE FROM rbac_assignments WHERE tenant = ? AND user_id = ? AND role = ?', tenant, userId, role);
    await tx.run('INSERT INTO rbac_assignments (tenant, user_id, role) VALUES (?, ?, ?)', tenant, userId, role);
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => NoIndex.open(options);
