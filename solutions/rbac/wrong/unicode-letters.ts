/**
 * Bug: "letters" in permissions is read as any Unicode letter, so `é:view` and `salary:vïew` are
 * accepted as permissions and rules, though the grammar allows only ASCII letters, digits, _ - and .
 * Violates: permission-grammar
 * Rejected by: permission-grammar
 */
import { SqlRbac, type Rbac, type RbacOptions } from '../index.ts';

export * from '../index.ts';

const PART = /^[\p{L}\p{N}_.-]+$/u;

function isPart(part: string | undefined, wildcard: boolean): boolean {
  return part !== undefined && ((wildcard && part === '*') || PART.test(part));
}

class UnicodeLetters extends SqlRbac {
  protected override checkRule(value: unknown, name: string): void {
    const body = typeof value === 'string' && value.startsWith('!') ? value.slice(1) : value;
    const parts = typeof body === 'string' ? body.split(':') : [];
    if (parts.length !== 2 || !isPart(parts[0], false) || !isPart(parts[1], true)) super.checkRule(value, name);
  }

  protected override checkPermission(value: unknown): void {
    const parts = typeof value === 'string' ? value.split(':') : [];
    if (parts.length !== 2 || !isPart(parts[0], false) || !isPart(parts[1], false)) super.checkPermission(value);
  }
}

export const createRbac = (options: RbacOptions): Promise<Rbac> => UnicodeLetters.open(options);
