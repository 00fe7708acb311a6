/**
 * Bug: createRbac starts from a clean schema, dropping the tables before creating them. Every
 * restart, and every new instance joining the others, wipes all tenants, roles, assignments and the
 * audit trail.
 * Violates: schema-created
 * Rejected by: options
 */
import { SCHEMA, SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

const TABLES = ['rbac_audit', 'rbac_assignments', 'rbac_inherits', 'rbac_rules', 'rbac_roles', 'rbac_tenants'];

class DropsTablesOnStart extends SqlRbac {
  protected override async migrate(): Promise<void> {
    const drop = TABLES.map((table) => `DROP TABLE IF EXISTS ${table};`).join('\n');
    await this.db.transaction((tx) => tx.exec(`${drop}\n${SCHEMA}`), { mode: 'immediate' });
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => DropsTablesOnStart.open(options);
