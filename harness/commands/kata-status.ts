/** Where the candidate stands on each kata, running specs only for files that changed. */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import PQueue from 'p-queue';
import type { Kata } from '../catalog/catalog.ts';
import { runKata } from '../runner/run.ts';
import type { KataRun } from '../runner/outcomes.ts';
import { hashFile, type LastRun, type Progress } from './progress.ts';

export type KataStatus =
  | { readonly kind: 'not-started' }
  | { readonly kind: 'missing' }
  | { readonly kind: 'passing'; readonly total: number }
  | { readonly kind: 'failing'; readonly passed: number; readonly total: number }
  | { readonly kind: 'error' };

export function isUntouched(kata: Kata): boolean {
  return existsSync(kata.workFile) && hashFile(kata.workFile) === hashFile(kata.stubFile);
}

export function summariseRun(run: KataRun, hash: string): LastRun {
  return {
    hash,
    status: run.status,
    passed: run.outcomes.filter((outcome) => outcome.status === 'passed').length,
    total: run.outcomes.length,
    at: new Date().toISOString(),
  };
}

export function statusFromLastRun(last: LastRun): KataStatus {
  switch (last.status) {
    case 'passed':
      return { kind: 'passing', total: last.total };
    case 'not-started':
      return { kind: 'not-started' };
    case 'error':
      return { kind: 'error' };
    case 'failing':
      return { kind: 'failing', passed: last.passed, total: last.total };
  }
}

/**
 * The status of every kata. Untouched stubs need no run; edited files reuse the cached result
 * for their hash, and the rest run concurrently, bounded by the cores. Updates `progress`.
 */
export async function statusOfKatas(
  root: string,
  katas: readonly Kata[],
  progress: Progress,
): Promise<Map<string, KataStatus>> {
  const statuses = new Map<string, KataStatus>();
  const queue = new PQueue({ concurrency: Math.max(1, availableParallelism()) });
  for (const kata of katas) {
    if (!existsSync(kata.workFile)) {
      statuses.set(kata.slug, { kind: 'missing' });
      continue;
    }
    if (isUntouched(kata)) {
      statuses.set(kata.slug, { kind: 'not-started' });
      continue;
    }
    const hash = hashFile(kata.workFile);
    const cached = progress.lastRuns[kata.slug];
    if (cached?.hash === hash) {
      statuses.set(kata.slug, statusFromLastRun(cached));
      continue;
    }
    void queue.add(async () => {
      const last = summariseRun(await runKata(kata.slug, kata.workFile, { root }), hash);
      progress.lastRuns[kata.slug] = last;
      statuses.set(kata.slug, statusFromLastRun(last));
    });
  }
  await queue.onIdle();
  return statuses;
}
