/**
 * The candidate's progress, kept in .kata/progress.json (git-ignored): how many hints each kata
 * has shown, and the last result per kata keyed by a hash of the file it ran against, so `kata
 * list` only reruns specs for files that changed.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunStatus } from '../runner/outcomes.ts';

export interface LastRun {
  /** sha256 of the working file the result belongs to. */
  readonly hash: string;
  readonly status: RunStatus;
  readonly passed: number;
  readonly total: number;
  /** ISO timestamp. */
  readonly at: string;
}

export interface Progress {
  readonly version: 1;
  readonly hintsShown: Record<string, number>;
  readonly lastRuns: Record<string, LastRun>;
}

export function progressFile(root: string): string {
  return join(root, '.kata', 'progress.json');
}

export function loadProgress(root: string): Progress {
  const file = progressFile(root);
  if (!existsSync(file)) return emptyProgress();
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Progress>;
    if (parsed.version !== 1) return emptyProgress();
    return { version: 1, hintsShown: { ...parsed.hintsShown }, lastRuns: { ...parsed.lastRuns } };
  } catch {
    // A corrupt progress file only costs the cache and the hint counter, never a crash.
    return emptyProgress();
  }
}

export function saveProgress(root: string, progress: Progress): void {
  const file = progressFile(root);
  mkdirSync(dirname(file), { recursive: true });
  // Write then rename, so an interrupted write never leaves half a file.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(progress, null, 2)}\n`);
  renameSync(temporary, file);
}

export function hashFile(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function emptyProgress(): Progress {
  return { version: 1, hintsShown: {}, lastRuns: {} };
}
