/**
 * Bug: concurrent checks for the same user share one in-flight database read, to spare the
 * database. A check that starts after the revoke resolved joins a read that began before it and
 * answers with the pre-revoke policy.
 * Violates: own-changes-at-once
 * Rejected by: revoke-race
 */
import { SqlRbac, type Policy, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class SingleFlightStaleRead extends SqlRbac {
  private readonly inFlight = new Map<string, Promise<Policy>>();

  protected override readPolicy(tenant: string, userId: string): Promise<Policy> {
    const key = this.cacheKey(tenant, userId);
    let pending = this.inFlight.get(key);
    if (pending === undefined) {
      pending = super.readPolicy(tenant, userId).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => SingleFlightStaleRead.open(options);
