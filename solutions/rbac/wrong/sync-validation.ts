/**
 * Bug: can() checks its permission before going async, in a plain method that returns the promise
 * afterwards, so a malformed permission throws synchronously: a caller that writes
 * `rbac.can(...).catch(...)` never reaches its catch.
 * Violates: async-api
 * Rejected by: async-methods
 */
import { SqlRbac, parsePermission, type CheckOptions, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class SyncValidation extends SqlRbac {
  override can(userId: string, permission: string, options: CheckOptions): Promise<boolean> {
    // Fail fast, before any await.
    parsePermission(permission);
    return super.can(userId, permission, options);
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => SyncValidation.open(options);
