/**
 * How fast the harness answers a candidate, as they run it, per kata (issue 18):
 * - start-up: `kata --help`, `kata list`, `kata hint <slug> --all` and `kata solution <slug> --yes`,
 *   each a fresh `node harness/cli/kata.js` (the prebuilt bundle), and the same from the sources
 *   under tsx (KATA_CLI_BUNDLE=0), with node's own start (`node -e 0`) as the floor;
 * - `kata test <slug>` with the reference as the candidate's file, against a bare `vitest run` of
 *   the same spec against the same file (one test file that registers the spec, nothing else);
 * - the grading ratio, from harness/grader/bench/grading-overhead.ts, run for each kata.
 * Every figure is the median of fresh processes started from this one, the two sides of each
 * comparison alternating which goes first. Nothing here is asserted: the numbers go to
 * docs/architecture.md.
 *
 *   npm run bench:feedback -- [rounds=5] [--kata slug,...] [--no-grading]
 *
 * The commands run in a scratch copy of the checkout (node_modules linked), so the checkout's
 * own katas/*\/index.ts and .kata/ are left as they are.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { harnessRoot, listKatas } from '../catalog/catalog.ts';

const args = process.argv.slice(2);
const rounds = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 5);
const only = args.includes('--kata') ? args[args.indexOf('--kata') + 1]?.split(',') : undefined;
const grading = !args.includes('--no-grading');
const katas = listKatas().filter((kata) => only === undefined || only.includes(kata.slug));
if (only !== undefined && katas.length !== only.length)
  throw new Error(`bench:feedback: --kata names unknown kata(s), received ${only.join(',')}`);
const vitestBin = join(createRequire(import.meta.url).resolve('vitest/package.json'), '..', 'vitest.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'kata-feedback-'));
const checkout = join(scratch, 'checkout');
const kataBin = join(checkout, 'harness', 'cli', 'kata.js');

interface Run {
  readonly ms: number;
  readonly status: number | null;
  readonly output: string;
}

function timed(command: readonly string[], env: Record<string, string> = {}): Run {
  const started = performance.now();
  const result = spawnSync(process.execPath, command, {
    cwd: checkout,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', KATA_CLI_BUNDLE: '1', ...env },
    maxBuffer: 64 << 20,
  });
  return { ms: performance.now() - started, status: result.status, output: `${result.stdout}${result.stderr}` };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const load = (): string => loadavg()[0]!.toFixed(2);

/** The median wall time of `rounds` runs of each command line, interleaved so none meets a warmer machine. */
function startUp(lines: Record<string, readonly string[]>, env: Record<string, string> = {}): Record<string, number> {
  const times: Record<string, number[]> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [label, command] of Object.entries(lines)) {
      const run = timed(command, env);
      if (run.status !== 0)
        throw new Error(`bench:feedback: ${command.join(' ')} exited ${run.status}:\n${run.output}`);
      (times[label] ??= []).push(run.ms);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([label, values]) => [label, median(values)]));
}

/**
 * The copy the commands run in: its own harnessRoot, so its katas/ and .kata/ are its own. Its
 * node_modules links each package of the checkout's but has a .cache of its own, so the copy's
 * CLI bundle goes away with it.
 */
function makeCheckout(): void {
  for (const entry of ['harness', 'katas', 'solutions', 'package.json', 'tsconfig.json'])
    cpSync(join(harnessRoot, entry), join(checkout, entry), { recursive: true });
  const modules = join(harnessRoot, 'node_modules');
  mkdirSync(join(checkout, 'node_modules'));
  for (const entry of readdirSync(modules))
    if (entry !== '.cache') symlinkSync(join(modules, entry), join(checkout, 'node_modules', entry));
}

/** One test file that registers the kata's spec against its working file, as grading-overhead.ts's bare run does. */
function writeBareSuite(slug: string): string {
  const dir = join(scratch, 'bare', slug);
  const kataDir = join(checkout, 'katas', slug);
  const register = pathToFileURL(join(checkout, 'harness', 'runner', 'register.ts')).href;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${slug}.test.ts`),
    [
      `import spec from ${JSON.stringify(pathToFileURL(join(kataDir, 'spec.ts')).href)};`,
      `import { registerSpec } from ${JSON.stringify(register)};`,
      `registerSpec(spec, { label: ${JSON.stringify(slug)}, targetFile: ${JSON.stringify(join(kataDir, 'index.ts'))}, expectation: { kind: 'report' } });`,
    ].join('\n'),
  );
  // An empty configuration of its own, so nothing of the repository's applies.
  writeFileSync(join(dir, 'vitest.config.mjs'), 'export default {};\n');
  return dir;
}

/** `kata test <slug>` on the reference against the bare vitest run, alternating which goes first. */
function testAgainstBare(slug: string): { test: number; bare: number } {
  cpSync(join(checkout, 'solutions', slug, 'index.ts'), join(checkout, 'katas', slug, 'index.ts'));
  const dir = writeBareSuite(slug);
  const sides = {
    test: () => timed([kataBin, 'test', slug]),
    bare: () => timed([vitestBin, 'run', '--root', dir, '--pool', 'forks', '--silent', '--reporter', 'dot']),
  };
  const times = { test: [] as number[], bare: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? (['test', 'bare'] as const) : (['bare', 'test'] as const);
    for (const side of order) {
      const run = sides[side]();
      if (run.status !== 0)
        throw new Error(
          `bench:feedback: ${side} of ${slug} did not pass (exit ${run.status}):\n${run.output.slice(-800)}`,
        );
      times[side].push(run.ms);
    }
  }
  return { test: median(times.test), bare: median(times.bare) };
}

/** grading-overhead.ts's median ratio for one kata, from its last line. */
function gradingRatio(slug: string): string {
  const script = join(harnessRoot, 'harness', 'grader', 'bench', 'grading-overhead.ts');
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, String(Math.min(rounds, 3)), '--kata', slug], {
    cwd: harnessRoot,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const ratio = /ratio (\d+\.\d+) \(aim/.exec(run.stdout)?.[1];
  if (run.status !== 0 || ratio === undefined)
    throw new Error(
      `bench:feedback: grading-overhead.ts --kata ${slug} printed no median:\n${run.stdout}${run.stderr}`,
    );
  return ratio;
}

try {
  makeCheckout();
  console.log(`${katas.length} katas, ${rounds} rounds, load average ${load()} at the start`);
  const built = timed([kataBin, '--version']);
  console.log(`first run after a change (builds the bundle): ${seconds(built.ms)}`);

  const global = { 'node -e 0': ['-e', '0'], '--help': [kataBin, '--help'], list: [kataBin, 'list'] };
  const bundled = startUp(global);
  const sources = startUp({ '--help': [kataBin, '--help'], list: [kataBin, 'list'] }, { KATA_CLI_BUNDLE: '0' });
  console.log(`node -e 0 ${seconds(bundled['node -e 0']!)} (the floor)`);
  for (const label of ['--help', 'list'])
    console.log(`kata ${label}: ${seconds(bundled[label]!)} (from the sources under tsx: ${seconds(sources[label]!)})`);

  console.log('');
  console.log(
    'per kata: start-up of hint (--all) and solution (--yes) from the bundle, solution from the sources under tsx;',
  );
  console.log(
    `kata test on the reference against a bare vitest run of the same spec and file${grading ? '; the grading ratio (grading-overhead.ts)' : ''}`,
  );
  const header = ['kata'.padEnd(18), 'hint', 'solution', 'from tsx', 'kata test', 'vitest run', 'ratio', 'grading'];
  const widths = header.map((title) => title.length);
  const print = (cells: readonly string[]): void =>
    console.log(
      cells
        .slice(0, grading ? cells.length : -1)
        .map((cell, index) => (index === 0 ? cell : cell.padStart(Math.max(widths[index]!, 6))))
        .join('  '),
    );
  print(header);
  for (const kata of katas) {
    const lines = {
      hint: [kataBin, 'hint', kata.slug, '--all'],
      solution: [kataBin, 'solution', kata.slug, '--yes'],
    };
    const fast = startUp(lines);
    const slow = startUp({ solution: lines.solution }, { KATA_CLI_BUNDLE: '0' });
    const { test, bare } = testAgainstBare(kata.slug);
    print([
      kata.slug.padEnd(18),
      seconds(fast.hint!),
      seconds(fast.solution!),
      seconds(slow.solution!),
      seconds(test),
      seconds(bare),
      (test / bare).toFixed(2),
      grading ? gradingRatio(kata.slug) : '',
    ]);
  }
  console.log('');
  console.log(`load average ${load()} at the end; aims: start-up at most 0.30 s, grading ratio at most 1.30`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
