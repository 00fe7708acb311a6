/**
 * What the grader's safety costs, end to end, as a user runs each command:
 * - grader: `kata grade --solutions` (a fresh tree, a supervised process group per kata, the
 *   canary and the import scan for every reference solution);
 * - bare: `vitest run` of the same specs against the same references, with the same number of
 *   cases as grading runs (KATA_RUNS_FACTOR=GRADING_RUNS_FACTOR; without it the bare run would do a
 *   third of the work), one vitest process, one test file per kata, as many workers as cores,
 *   nothing else.
 * Both run as fresh processes, in the same run, alternating which goes first, for several rounds.
 *
 *   npx tsx harness/grader/bench/grading-overhead.ts [rounds=3] [--kata slug,...]
 *
 * Prints each round and the median ratio grader / bare. The aim is at most 1.3.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { harnessRoot, listKatas, type Kata } from '../../catalog/catalog.ts';
import { GRADING_RUNS_FACTOR, RUNS_FACTOR_ENV } from '../../kit/seed.ts';
import type { GradeReport } from '../report.ts';

const args = process.argv.slice(2);
const rounds = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 3);
const only = args.includes('--kata') ? args[args.indexOf('--kata') + 1]?.split(',') : undefined;
const katas = listKatas().filter((kata) => only === undefined || only.includes(kata.slug));
const cores = availableParallelism();
const vitestBin = join(createRequire(import.meta.url).resolve('vitest/package.json'), '..', 'vitest.mjs');
const kataBin = join(harnessRoot, 'harness', 'cli', 'kata.js');
const scratch = mkdtempSync(join(tmpdir(), 'kata-bench-'));

interface Timing {
  readonly ms: number;
  readonly ok: boolean;
  readonly detail: string;
}

function timed(
  command: string,
  commandArgs: readonly string[],
  env: Record<string, string> = {},
): { ms: number; status: number | null; output: string } {
  const started = performance.now();
  const result = spawnSync(command, commandArgs, {
    cwd: harnessRoot,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    maxBuffer: 64 << 20,
  });
  return { ms: performance.now() - started, status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** The test files of the bare run: each registers one spec against its reference, nothing more. */
function writeBareSuite(selected: readonly Kata[]): string {
  const dir = join(scratch, 'bare');
  const register = pathToFileURL(join(harnessRoot, 'harness', 'runner', 'register.ts')).href;
  mkdirSync(dir, { recursive: true });
  for (const kata of selected) {
    writeFileSync(
      join(dir, `${kata.slug}.test.ts`),
      [
        `import spec from ${JSON.stringify(pathToFileURL(kata.specFile).href)};`,
        `import { registerSpec } from ${JSON.stringify(register)};`,
        `registerSpec(spec, { label: ${JSON.stringify(kata.slug)}, targetFile: ${JSON.stringify(kata.referenceFile)}, expectation: { kind: 'report' } });`,
      ].join('\n'),
    );
  }
  // An empty configuration of its own, so nothing of the repository's applies.
  writeFileSync(join(dir, 'vitest.config.mjs'), 'export default {};\n');
  return dir;
}

function bare(dir: string): Timing {
  const run = timed(
    process.execPath,
    [
      vitestBin,
      'run',
      '--root',
      dir,
      '--pool',
      'forks',
      '--maxWorkers',
      String(cores),
      '--silent',
      '--reporter',
      'dot',
    ],
    { [RUNS_FACTOR_ENV]: String(GRADING_RUNS_FACTOR) },
  );
  return { ms: run.ms, ok: run.status === 0, detail: run.status === 0 ? 'all passed' : run.output.slice(-400) };
}

function grader(selected: readonly Kata[]): Timing {
  const json = join(scratch, 'report.json');
  const run = timed(process.execPath, [
    kataBin,
    'grade',
    '--solutions',
    '--kata',
    selected.map((kata) => kata.slug).join(','),
    '--json',
    json,
  ]);
  if (run.status !== 0) return { ms: run.ms, ok: false, detail: run.output.slice(-400) };
  const report = JSON.parse(readFileSync(json, 'utf8')) as GradeReport;
  const lost = report.total.max - report.total.score;
  return { ms: run.ms, ok: lost === 0, detail: `${report.total.score}/${report.total.max} points` };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

try {
  const dir = writeBareSuite(katas);
  console.log(`${katas.length} katas (${katas.map((kata) => kata.slug).join(', ')}), ${cores} cores, ${rounds} rounds`);
  const bareTimes: number[] = [];
  const graderTimes: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    // Alternate which goes first, so neither always meets a warmer machine.
    const order = round % 2 === 1 ? (['bare', 'grader'] as const) : (['grader', 'bare'] as const);
    const times: Partial<Record<'bare' | 'grader', Timing>> = {};
    for (const which of order) times[which] = which === 'bare' ? bare(dir) : grader(katas);
    const [b, g] = [times.bare!, times.grader!];
    if (!b.ok || !g.ok) console.log(`  a run did not pass:\n  bare: ${b.detail}\n  grader: ${g.detail}`);
    bareTimes.push(b.ms);
    graderTimes.push(g.ms);
    console.log(
      `round ${round}: vitest run ${seconds(b.ms)} (${b.detail}), kata grade --solutions ${seconds(g.ms)} (${g.detail}), ratio ${(g.ms / b.ms).toFixed(2)}`,
    );
  }
  console.log(
    `median: vitest run ${seconds(median(bareTimes))}, kata grade --solutions ${seconds(median(graderTimes))}, ratio ${(median(graderTimes) / median(bareTimes)).toFixed(2)} (aim: at most 1.30)`,
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
