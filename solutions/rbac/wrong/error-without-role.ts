/**
 * Bug: assigning a role that does not exist throws UnknownRoleError without saying which role: its
 * role field is empty and its message names none, so the caller cannot tell which name was wrong.
 * Violates: error-classes
 * Rejected by: unknown-names
 */
import type { Queryable } from '../../../harness/kit/db/types.ts';
import { SqlRbac, UnknownRoleError, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class ErrorWithoutRole extends SqlRbac {
  protected override async assign(tx: Queryable, tenant: string, userId: string, role: string): Promise<void> {
    try {
      await super.assign(tx, tenant, userId, role);
    } catch (error) {
      if (error instanceof UnknownRoleError) throw new UnknownRoleError(tenant, undefined as unknown as string);
      throw error;
    }
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => ErrorWithoutRole.open(options);
