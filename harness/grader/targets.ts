/**
 * What `kata grade --candidate DIR` names: a candidate's checkout (DIR holds katas/), or a folder
 * of checkouts (each of DIR's subfolders that holds katas/ is a candidate, graded as a batch).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { GradeTarget } from './grade.ts';

export class TargetError extends Error {
  readonly code = 'ERR_KATA_GRADE_TARGET';

  constructor(message: string) {
    super(message);
    this.name = 'TargetError';
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export interface ResolveOptions {
  /**
   * A folder that holds no checkout is an empty batch rather than a mistake: a shard's folder
   * holds only the candidates fetched for that shard, and may hold none.
   */
  readonly allowEmpty?: boolean;
}

export function resolveCandidates(dirs: readonly string[], options: ResolveOptions = {}): GradeTarget[] {
  const found: { dir: string; name: string }[] = [];
  for (const given of dirs) {
    const dir = resolve(given);
    if (!existsSync(dir)) throw new TargetError(`--candidate ${given}: no such folder`);
    if (!isDirectory(dir)) throw new TargetError(`--candidate ${given}: not a folder`);
    if (isDirectory(join(dir, 'katas'))) {
      found.push({ dir, name: basename(dir) });
      continue;
    }
    const children = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && isDirectory(join(dir, entry.name, 'katas')))
      .map((entry) => entry.name)
      .sort();
    if (children.length === 0 && !options.allowEmpty) {
      throw new TargetError(
        `--candidate ${given}: neither a candidate's checkout (no katas/ folder) nor a folder of checkouts (no subfolder holds katas/)`,
      );
    }
    for (const child of children) found.push({ dir: join(dir, child), name: child });
  }
  const seen = new Map<string, number>();
  const unique = found.filter((entry, index) => found.findIndex((other) => other.dir === entry.dir) === index);
  return unique.map(({ dir, name }) => {
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return { kind: 'candidate' as const, dir, name: count === 1 ? name : `${name}-${count}` };
  });
}
