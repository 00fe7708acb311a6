/**
 * Bug: the id columns are declared COLLATE NOCASE, so SQLite compares them without case: "HR" is
 * "hr", "Acme" is "acme", and user "U7" holds what "u7" holds. Two tenants, roles or users that
 * differ only by case become one.
 * Violates: ids-exact
 * Rejected by: identifiers-exact
 */
import { SCHEMA, SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

/** The reference's schema with every id column compared without case. */
const NOCASE_SCHEMA = SCHEMA.replace(
  /\b(tenant|role|parent|user_id) TEXT NOT NULL/g,
  '$1 TEXT NOT NULL COLLATE NOCASE',
).replace('tenant TEXT PRIMARY KEY', 'tenant TEXT PRIMARY KEY COLLATE NOCASE');

class CaseInsensitiveIds extends SqlRbac {
  protected override async migrate(): Promise<void> {
    if (NOCASE_SCHEMA === SCHEMA) throw new Error('SCHEMA changed: update this wrong file');
    await this.db.transaction((tx) => tx.exec(NOCASE_SCHEMA), { mode: 'immediate' });
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => CaseInsensitiveIds.open(options);
