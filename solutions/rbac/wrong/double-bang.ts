/**
 * Bug: a rule may start with any number of '!', all stripped before the rule is checked, so
 * `!!salary:view` is accepted. The README allows one '!' and rejects the rest.
 * Violates: rule-grammar
 * Rejected by: permission-grammar
 */
import { SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

class DoubleBang extends SqlRbac {
  protected override checkRule(value: unknown, name: string): void {
    super.checkRule(typeof value === 'string' ? value.replace(/^!+/, '!') : value, name);
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => DoubleBang.open(options);
