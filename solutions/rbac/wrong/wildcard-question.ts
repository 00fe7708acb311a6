/**
 * Bug: can() and explain() accept a wildcard as the permission asked about, and answer whether some
 * rule is literally `resource:*`, instead of rejecting a question that is not a concrete permission.
 * Violates: concrete-permission-only
 * Rejected by: permission-grammar, bad-arguments
 */
import { SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class WildcardQuestion extends SqlRbac {
  protected override checkPermission(value: unknown): void {
    super.checkPermission(typeof value === 'string' && value.endsWith(':*') ? `${value.slice(0, -1)}any` : value);
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => WildcardQuestion.open(options);
