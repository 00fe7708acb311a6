/**
 * Bug: revocation entries leave out the user id, so the log says a role was revoked but not from
 * whom.
 * Violates: audit-role-user
 * Rejected by: audit-trail
 */
import { SqlRbac, type AuditEntry, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class AuditRevokeWithoutUser extends SqlRbac {
  override async auditLog(tenant: string): Promise<AuditEntry[]> {
    return (await super.auditLog(tenant)).map((entry) => {
      if (entry.action !== 'role.revoke') return entry;
      const { userId: _omitted, ...rest } = entry;
      return rest;
    });
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => AuditRevokeWithoutUser.open(options);
