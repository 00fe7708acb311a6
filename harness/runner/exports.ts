/**
 * A submission that does not export what the kata's stub exports, in the same shape (a class, a
 * function, a value): one finding, said once ("katas/pubsub/index.ts does not export a class
 * PubSub"), and never evidence of a red flag. Exports can only be seen by loading the module, so
 * the comparison runs in the test worker right after the import (register.ts), against shapes the
 * caller read from the stub it trusts (stubShapes, in the caller's own process).
 */
import { pathToFileURL } from 'node:url';

export type ExportKind = 'class' | 'function' | 'value';

export interface ExportShape {
  readonly name: string;
  readonly kind: ExportKind;
}

/** Whether `new value()` would be allowed, found without calling it. */
function isConstructor(value: unknown): boolean {
  if (typeof value !== 'function') return false;
  try {
    Reflect.construct(String, [], value);
    return true;
  } catch {
    return false;
  }
}

function isClass(value: unknown): boolean {
  if (typeof value !== 'function') return false;
  try {
    return /^class\b/.test(Function.prototype.toString.call(value));
  } catch {
    return false;
  }
}

function kindOf(value: unknown): ExportKind {
  if (isClass(value)) return 'class';
  return typeof value === 'function' ? 'function' : 'value';
}

/** The run-time exports of a module: what a stub promises. Type-only exports have none. */
export function exportShapes(module: Record<string, unknown>): ExportShape[] {
  return Object.keys(module)
    .sort()
    .map((name) => {
      let value: unknown;
      try {
        value = module[name];
      } catch {
        value = undefined;
      }
      return { name, kind: kindOf(value) };
    });
}

/**
 * Loads a trusted module (the kata's stub) in this process and reads its export shapes; null when
 * the stub itself cannot load, so a broken stub compares nothing rather than failing every file.
 */
export async function stubShapes(stubFile: string): Promise<ExportShape[] | null> {
  try {
    return exportShapes((await import(pathToFileURL(stubFile).href)) as Record<string, unknown>);
  } catch {
    return null;
  }
}

function article(kind: ExportKind): string {
  return kind === 'value' ? 'a value' : `a ${kind}`;
}

function list(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)!}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (isClass(value)) return 'a class';
  if (typeof value === 'function')
    return isConstructor(value) ? 'a function' : 'a function that cannot be called with new';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * What the module lacks or has in the wrong shape, compared with the stub's exports, as one
 * sentence about `shown` ("katas/pubsub/index.ts does not export a class PubSub"); undefined when
 * it matches. A class may be written as a constructor function; a function may not be a class.
 */
export function shapeProblem(
  expected: readonly ExportShape[],
  module: Record<string, unknown>,
  shown: string,
): string | undefined {
  const names = Object.keys(module).sort();
  const missing: string[] = [];
  const wrong: string[] = [];
  for (const { name, kind } of expected) {
    if (!names.includes(name)) {
      missing.push(`${article(kind)} ${name}`);
      continue;
    }
    let value: unknown;
    try {
      value = module[name];
    } catch {
      wrong.push(`${name} as a binding that cannot be read once the module has loaded`);
      continue;
    }
    const fits =
      kind === 'class'
        ? isConstructor(value)
        : kind === 'function'
          ? typeof value === 'function' && !isClass(value)
          : typeof value !== 'function' && value !== undefined;
    if (!fits) wrong.push(`${name} as ${describeValue(value)}, not ${article(kind)}`);
  }
  if (missing.length === 0 && wrong.length === 0) return undefined;
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`does not export ${list(missing)}`);
  if (wrong.length > 0) parts.push(`exports ${list(wrong)}`);
  const own = names.filter((name) => !expected.some((shape) => shape.name === name));
  const exported =
    missing.length === 0 || (names.length > 0 && own.length === 0)
      ? ''
      : names.length === 0
        ? ' (it exports nothing)'
        : ` (it exports ${own.slice(0, 6).join(', ')}${own.length > 6 ? ', …' : ''})`;
  return `${shown} ${parts.join(', and ')}${exported}`;
}
