/**
 * Bug: the cache is cleared after each change, but a check that read the database before the revoke
 * committed still stores its answer when it finishes. That stale "granted" then serves every check
 * that starts after the revoke resolved. Needs a generation counter (or version) compared before
 * storing.
 * Violates: own-changes-at-once
 * Rejected by: revoke-race
 */
import { SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class CacheFillRace extends SqlRbac {
  // A read that began before a change is cached all the same.
  protected override unchangedSince(): boolean {
    return true;
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => CacheFillRace.open(options);
