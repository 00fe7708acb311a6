/**
 * Bug: RoleCycleError reports every cycle as [role, role], as if the role named itself, instead of
 * the path that closes it: an administrator told "hr inherits hr" looks for a link that is not there.
 * Violates: cycle-error-detail
 * Rejected by: rejects-cycles
 */
import type { Queryable } from '../../../harness/kit/db/types.ts';
import { SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class CyclePathMissing extends SqlRbac {
  protected override async findCycle(
    tx: Queryable,
    tenant: string,
    role: string,
    parents: readonly string[],
  ): Promise<string[] | undefined> {
    const cycle = await super.findCycle(tx, tenant, role, parents);
    return cycle === undefined ? undefined : [role, role];
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => CyclePathMissing.open(options);
