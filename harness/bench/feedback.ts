/**
 * How fast the harness answers a candidate, as they run it, per kata (issue 18):
 * - start-up: `kata --help`, `kata list`, `kata hint <slug> --all` and `kata solution <slug> --yes`,
 *   each a fresh `node harness/cli/kata.js` (the prebuilt bundle), and the same from the sources
 *   under tsx (KATA_CLI_BUNDLE=0), with node's own start (`node -e 0`) as the floor;
 * - `kata test <slug>` with the reference as the candidate's file, against a bare `vitest run` of
 *   the same spec against the same file (one test file that registers the spec, nothing else);
 * - `kata watch <slug>`'s rerun: the time from a save of the reference to its verdict printed, minus
 *   the checks' own time as vitest reports it, warm (a spare runner waiting, see runner/warm.ts)
 *   against cold (every run started from nothing, as before), each watcher in a checkout of its
 *   own, saves alternating between them, each save once the warm side's spare is ready;
 * - the grading ratio, from harness/grader/bench/grading-overhead.ts, run for each kata.
 * Every figure is the median of fresh processes started from this one, the two sides of each
 * comparison alternating which goes first. Nothing here is asserted: the numbers go to
 * docs/architecture.md.
 *
 *   npm run bench:feedback -- [rounds=5] [--kata slug,...] [--no-grading] [--no-watch] [--watch-only]
 *
 * The commands run in a scratch copy of the checkout (node_modules linked), so the checkout's
 * own katas/*\/index.ts and .kata/ are left as they are.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findKata, harnessRoot, listKatas } from '../catalog/catalog.ts';
import type { CommandContext } from '../commands/command.ts';
import { createPalette } from '../commands/palette.ts';
import { watchKata, type RunInfo } from '../commands/watch.ts';
import type { KataRun } from '../runner/outcomes.ts';

const args = process.argv.slice(2);
const rounds = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 5);
const only = args.includes('--kata') ? args[args.indexOf('--kata') + 1]?.split(',') : undefined;
const grading = !args.includes('--no-grading');
const watchOnly = args.includes('--watch-only');
const watching = watchOnly || !args.includes('--no-watch');
const katas = listKatas().filter((kata) => only === undefined || only.includes(kata.slug));
if (only !== undefined && katas.length !== only.length)
  throw new Error(`bench:feedback: --kata names unknown kata(s), received ${only.join(',')}`);
const vitestBin = join(createRequire(import.meta.url).resolve('vitest/package.json'), '..', 'vitest.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'kata-feedback-'));
const checkout = join(scratch, 'checkout');
/** The cold watcher's own copy, so a save to one checkout wakes one watcher only. */
const coldCheckout = join(scratch, 'cold-checkout');
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
function makeCheckout(dir: string): void {
  for (const entry of ['harness', 'katas', 'solutions', 'package.json', 'tsconfig.json'])
    cpSync(join(harnessRoot, entry), join(dir, entry), { recursive: true });
  const modules = join(harnessRoot, 'node_modules');
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(modules))
    if (entry !== '.cache') symlinkSync(join(modules, entry), join(dir, 'node_modules', entry));
}

/** One `kata watch` in this process, on `dir`'s copy of the kata, saved on demand. */
class Watcher {
  private readonly controller = new AbortController();
  private readonly done: Promise<void>;
  private printedAt = 0;
  private waiting: ((result: { run: KataRun; info: RunInfo; printedAt: number }) => void) | undefined;
  private info: RunInfo | undefined;
  private saves = 0;
  private readonly file: string;
  private readonly reference: string;

  constructor(dir: string, slug: string, warm: boolean) {
    const kata = findKata(slug, dir);
    this.file = kata.workFile;
    this.reference = readFileSync(join(dir, 'solutions', slug, 'index.ts'), 'utf8');
    writeFileSync(this.file, this.reference);
    const context: CommandContext = {
      root: dir,
      out: () => {
        this.printedAt = performance.now();
      },
      err: (text) => console.error(text),
      palette: createPalette(false),
      interactive: false,
      prompt: async () => '',
    };
    const first = this.next();
    this.done = watchKata(kata, {}, context, this.controller.signal, {
      warm,
      onRun: (run, info) => {
        this.info = info;
        this.waiting?.({ run, info, printedAt: this.printedAt });
      },
    });
    this.first = first;
  }

  readonly first: Promise<unknown>;

  private next(): Promise<{ run: KataRun; info: RunInfo; printedAt: number }> {
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** Once the next run's spare is ready (at once when cold). */
  ready(): Promise<void> {
    return this.info?.ready() ?? Promise.resolve();
  }

  /** Saves the file and waits for the verdict: that time minus the checks' own, and the checks'. */
  async save(slug: string): Promise<{ overheadMs: number; checksMs: number; warm: boolean }> {
    const verdict = this.next();
    const savedAt = performance.now();
    writeFileSync(this.file, `${this.reference}\n// save ${++this.saves}\n`);
    const { run, info, printedAt } = await verdict;
    if (run.status !== 'passed')
      throw new Error(`bench:feedback: a watch rerun of ${slug}'s reference did not pass (${run.status})`);
    const checksMs = run.outcomes.reduce((sum, outcome) => sum + (outcome.durationMs ?? 0), 0);
    return { overheadMs: printedAt - savedAt - checksMs, checksMs, warm: info.warm };
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.done;
  }
}

/**
 * `kata watch`'s rerun, warm and cold, alternating which is saved first; the medians of the time
 * from the save to the verdict printed minus the checks' own time, and of the checks' time.
 */
async function watchReruns(slug: string): Promise<{ warm: number; cold: number; checks: number }> {
  const warm = new Watcher(checkout, slug, true);
  await warm.first;
  const cold = new Watcher(coldCheckout, slug, false);
  await cold.first;
  const times = { warm: [] as number[], cold: [] as number[], checks: [] as number[] };
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? (['warm', 'cold'] as const) : (['cold', 'warm'] as const);
      for (const side of order) {
        // Both watchers idle, the warm side's spare loaded: the candidate is still typing.
        await warm.ready();
        const rerun = await (side === 'warm' ? warm : cold).save(slug);
        if (rerun.warm !== (side === 'warm'))
          throw new Error(`bench:feedback: the ${side} watcher of ${slug} ran ${rerun.warm ? 'warm' : 'cold'}`);
        times[side].push(rerun.overheadMs);
        times.checks.push(rerun.checksMs);
      }
    }
  } finally {
    await warm.stop();
    await cold.stop();
  }
  return { warm: median(times.warm), cold: median(times.cold), checks: median(times.checks) };
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
  makeCheckout(checkout);
  if (watching) makeCheckout(coldCheckout);
  console.log(`${katas.length} katas, ${rounds} rounds, load average ${load()} at the start`);
  if (watchOnly) {
    // Only `kata watch`'s reruns, warm against cold (the other figures take most of the time).
    console.log("kata watch: save to verdict printed minus the checks' own time, warm and cold, and the checks' time");
    for (const kata of katas) {
      const watch = await watchReruns(kata.slug);
      console.log(
        `${kata.slug.padEnd(18)}  warm ${seconds(watch.warm)}  cold ${seconds(watch.cold)}  checks ${seconds(watch.checks)}  load ${load()}`,
      );
    }
    console.log(`load average ${load()} at the end; aim: watch rerun at most 0.50 s`);
  } else {
    await allFigures();
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

async function allFigures(): Promise<void> {
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
  if (watching)
    console.log(
      "kata watch: save to verdict printed minus the checks' own time, warm (spare runner) and cold (as before), and the checks' time",
    );
  const header = ['kata'.padEnd(18), 'hint', 'solution', 'from tsx', 'kata test', 'vitest run', 'ratio'];
  if (watching) header.push('watch warm', 'watch cold', 'checks');
  if (grading) header.push('grading');
  const widths = header.map((title) => title.length);
  const print = (cells: readonly string[]): void =>
    console.log(
      cells.map((cell, index) => (index === 0 ? cell : cell.padStart(Math.max(widths[index]!, 6)))).join('  '),
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
    const watch = watching ? await watchReruns(kata.slug) : undefined;
    print([
      kata.slug.padEnd(18),
      seconds(fast.hint!),
      seconds(fast.solution!),
      seconds(slow.solution!),
      seconds(test),
      seconds(bare),
      (test / bare).toFixed(2),
      ...(watch === undefined ? [] : [seconds(watch.warm), seconds(watch.cold), seconds(watch.checks)]),
      ...(grading ? [gradingRatio(kata.slug)] : []),
    ]);
  }
  console.log('');
  console.log(
    `load average ${load()} at the end; aims: start-up at most 0.30 s, watch rerun at most 0.50 s, grading ratio at most 1.30`,
  );
}
