/**
 * Bug: the cycle check walks every new parent's ancestors and calls it a cycle as soon as it meets
 * any role twice. A diamond (top inherits left and right, both inherit base) meets base twice and
 * is refused, though nothing inherits itself.
 * Violates: diamond-accepted
 * Rejected by: diamond-inheritance
 */
import type { Queryable } from '../../../harness/kit/db/types.ts';
import { SqlRbac, ancestorLinks, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class DiamondRejectedAsCycle extends SqlRbac {
  protected override async findCycle(
    tx: Queryable,
    tenant: string,
    role: string,
    parents: readonly string[],
  ): Promise<string[] | undefined> {
    if (parents.includes(role)) return [role, role];
    if (parents.length === 0) return undefined;
    const up = await ancestorLinks(tx, tenant, parents);
    // A role met twice on the way up means the walk went round in a circle.
    const seen: string[] = [];
    const queue = [...parents];
    for (const current of queue) {
      if (current === role || seen.includes(current)) return [role, ...seen, current];
      seen.push(current);
      queue.push(...(up.get(current) ?? []));
    }
    return undefined;
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => DiamondRejectedAsCycle.open(options);
