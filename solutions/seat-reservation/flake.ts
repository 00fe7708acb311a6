/**
 * The "never flaky" proof for the seat-reservation spec: runs the reference (and the variants)
 * through every race check N times (every check with --all-checks), and every racy wrong/ file
 * through the race checks its header names N times, each run with a different seed (run 1 uses
 * the checks' default seeds), and prints a table.
 * A correct implementation must pass every run; a racy one must fail every run.
 *
 *   npm run flake:seat-reservation -- [runs=30] [--no-variants] [--all-checks]
 *
 * Checks run in this process, one at a time, exactly as the runner runs them (same context, same
 * seeds), without vitest's per-test overhead.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseWrongHeader } from '../../harness/catalog/wrong-header.ts';
import { createCheckContext } from '../../harness/kit/context.ts';
import { surfaceNotImplemented, toError } from '../../harness/kit/errors.ts';
import { seedForCheck, seedFrom } from '../../harness/kit/seed.ts';
import { collectChecks, type CheckBody, type ResolvedCheck } from '../../harness/kit/spec.ts';
import spec from '../../katas/seat-reservation/spec.ts';

const SLUG = 'seat-reservation';
/**
 * Checks whose verdict depends on an interleaving (forced by seeded database yields, staggered
 * starts or the worker rendezvous) or on where a worker thread is stopped, rather than on a
 * sequence of calls alone.
 */
export const RACE_CHECKS: ReadonlySet<string> = new Set([
  'one-winner',
  'one-winner-across-instances',
  'many-seats-many-users',
  'release-frees-once',
  'retry-returns-same',
  'hold-expiry',
  'linearizable-in-one-process',
  'linearizable-across-instances',
  'instance-dies-mid-call',
]);

/**
 * The race checks `npm test` repeats (flake.test.ts): the ones that fail fast. The two whose
 * failures shrink through many generated cases (many-seats-many-users, and
 * linearizable-across-instances with a worker run per case) are left to the long run.
 */
export const QUICK_RACE_CHECKS: ReadonlySet<string> = new Set(
  [...RACE_CHECKS].filter((id) => id !== 'many-seats-many-users' && id !== 'linearizable-across-instances'),
);

const solutionDir = fileURLToPath(new URL('.', import.meta.url));

export interface FlakeTarget {
  readonly label: string;
  readonly file: string;
  /** 'pass': every check must pass every run. 'fail': every listed check must fail every run. */
  readonly expect: 'pass' | 'fail';
  readonly checks: readonly string[];
}

export interface FlakeRow {
  readonly target: FlakeTarget;
  readonly check: string;
  readonly runs: number;
  readonly passed: number;
  readonly failed: number;
  /** The first failure's message (evidence for wrong files, a bug report for correct ones). */
  readonly firstFailure: string | undefined;
  /** The seeds of the runs that went against the expectation. */
  readonly unexpectedSeeds: readonly number[];
}

function typescriptFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.ts'))
    .sort()
    .map((name) => join(dir, name));
}

/** Which checks a flake run repeats: every check, the race checks, or the quick race checks. */
export type FlakeScope = 'all' | 'races' | 'quick-races';

/**
 * The reference, optionally the variants, and every wrong/ file that names a race check. Correct
 * targets run the checks in scope; a wrong file runs the checks in scope its header names.
 */
export function flakeTargets(options: { readonly variants: boolean; readonly scope: FlakeScope }): FlakeTarget[] {
  const inScope = (id: string): boolean =>
    options.scope === 'all' || (options.scope === 'races' ? RACE_CHECKS : QUICK_RACE_CHECKS).has(id);
  const all = collectChecks(spec)
    .map((check) => check.id)
    .filter(inScope);
  const targets: FlakeTarget[] = [
    { label: 'reference', file: join(solutionDir, 'index.ts'), expect: 'pass', checks: all },
  ];
  if (options.variants) {
    for (const file of typescriptFiles(join(solutionDir, 'variants'))) {
      targets.push({ label: `variants/${basename(file)}`, file, expect: 'pass', checks: all });
    }
  }
  for (const file of typescriptFiles(join(solutionDir, 'wrong'))) {
    const { rejectedBy } = parseWrongHeader(readFileSync(file, 'utf8'), file);
    const races = rejectedBy.filter((id) =>
      (options.scope === 'quick-races' ? QUICK_RACE_CHECKS : RACE_CHECKS).has(id),
    );
    if (races.length === 0) continue;
    targets.push({
      label: `wrong/${basename(file)}`,
      file,
      expect: 'fail',
      checks: options.scope === 'all' ? rejectedBy : races,
    });
  }
  return targets;
}

/** The checks' bodies, by id. */
function checkBodies(): Map<string, { check: ResolvedCheck; body: CheckBody<unknown> }> {
  const resolved = new Map(collectChecks(spec).map((check) => [check.id, check]));
  const bodies = new Map<string, { check: ResolvedCheck; body: CheckBody<unknown> }>();
  spec.define({
    check(definition, body) {
      bodies.set(definition.id, { check: resolved.get(definition.id)!, body: body as CheckBody<unknown> });
    },
  });
  return bodies;
}

/** The seed of one run: run 1 is what `npm test` and `kata test` use; the others explore. */
export function seedOfRun(checkId: string, run: number): number {
  return run === 1 ? seedForCheck(SLUG, checkId) : seedFrom(`${SLUG}:${checkId}:run-${run}`);
}

async function runOne(
  entry: { check: ResolvedCheck; body: CheckBody<unknown> },
  impl: unknown,
  targetFile: string,
  seed: number,
  onRandomised: () => void,
): Promise<Error | undefined> {
  const context = createCheckContext(impl, targetFile, seed, { onRandomised });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${entry.check.timeoutMs} ms`)), entry.check.timeoutMs);
  });
  try {
    await Promise.race([surfaceNotImplemented(() => entry.body(context)), deadline]);
    return undefined;
  } catch (error) {
    return toError(error);
  } finally {
    clearTimeout(timer);
  }
}

export interface FlakeOptions {
  /**
   * Repeat checks that never read their seed. Such a check runs the same calls in the same order
   * every time; repeating it costs time and proves nothing new. Default: true.
   */
  readonly repeatUnseeded?: boolean;
  readonly onRow?: (row: FlakeRow) => void;
}

export async function measureFlakiness(
  targets: readonly FlakeTarget[],
  runs: number,
  options: FlakeOptions = {},
): Promise<FlakeRow[]> {
  const bodies = checkBodies();
  const rows: FlakeRow[] = [];
  for (const target of targets) {
    const impl: unknown = await import(pathToFileURL(target.file).href);
    for (const checkId of target.checks) {
      const entry = bodies.get(checkId);
      if (entry === undefined) throw new Error(`${target.label} names unknown check ${checkId}`);
      let passed = 0;
      let done = 0;
      let seeded = false;
      let firstFailure: string | undefined;
      const unexpectedSeeds: number[] = [];
      for (let run = 1; run <= runs; run++) {
        if (run > 1 && !seeded && options.repeatUnseeded === false) break;
        const seed = seedOfRun(checkId, run);
        const failure = await runOne(entry, impl, target.file, seed, () => (seeded = true));
        done++;
        if (failure === undefined) passed++;
        else firstFailure ??= failure.message.split('\n')[0];
        if ((failure === undefined) !== (target.expect === 'pass')) unexpectedSeeds.push(seed);
      }
      const row: FlakeRow = {
        target,
        check: checkId,
        runs: done,
        passed,
        failed: done - passed,
        firstFailure,
        unexpectedSeeds,
      };
      rows.push(row);
      options.onRow?.(row);
    }
  }
  return rows;
}

function formatRow(row: FlakeRow): string {
  const verdict = row.unexpectedSeeds.length === 0 ? 'ok  ' : 'FLAKY';
  const columns = [
    verdict,
    row.target.label.padEnd(38),
    row.check.padEnd(28),
    `expect ${row.target.expect}`.padEnd(12),
    `${row.passed}/${row.runs} passed`.padEnd(14),
    `${row.failed}/${row.runs} failed`.padEnd(14),
  ];
  const evidence = row.firstFailure === undefined ? '' : `  ${row.firstFailure}`;
  const seeds = row.unexpectedSeeds.length > 0 ? `  unexpected with seeds ${row.unexpectedSeeds.join(', ')}` : '';
  return `${columns.join(' ')}${evidence.slice(0, 140)}${seeds}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runsArg = args.find((arg) => /^\d+$/.test(arg));
  const runs = runsArg === undefined ? 30 : Number(runsArg);
  if (!(runs >= 1)) throw new RangeError(`runs must be a positive integer, received ${runsArg}`);
  const targets = flakeTargets({
    variants: !args.includes('--no-variants'),
    scope: args.includes('--all-checks') ? 'all' : 'races',
  });
  let strays = 0;
  process.on('unhandledRejection', (reason) => {
    strays++;
    console.error(`unhandled rejection from an implementation: ${toError(reason).message}`);
  });
  console.log(`seat-reservation: ${targets.length} targets x ${runs} runs, a different seed per run\n`);
  const started = performance.now();
  const rows = await measureFlakiness(targets, runs, { onRow: (row) => console.log(formatRow(row)) });
  const unexpected = rows.filter((row) => row.unexpectedSeeds.length > 0);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `\n${rows.length} rows in ${seconds} s: ${unexpected.length === 0 ? 'no flaky results' : `${unexpected.length} FLAKY`}` +
      (strays > 0 ? `, ${strays} unhandled rejection(s)` : ''),
  );
  if (unexpected.length > 0) process.exitCode = 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
