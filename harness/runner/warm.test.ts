/**
 * `kata watch`'s warm runner: each save runs in a spare started before it, the candidate's module
 * loaded there for the first time; nothing of one run reaches the next; a run that hangs or kills
 * its runner costs that run only; the report is `kata test`'s.
 */
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { findKata, type Kata } from '../catalog/catalog.ts';
import { buildGraderTree } from '../grader/hostile/fixture.ts';
import { capture } from '../commands/testing/capture.ts';
import { testCommand } from '../commands/test.ts';
import { watchKata, type RunInfo } from '../commands/watch.ts';
import type { KataRun } from './outcomes.ts';
import { JOB_ENV, type ChildJob } from './protocol.ts';
import { MARKER_ENV } from './run.ts';
import { fits, sourceStamp, Spare } from './warm.ts';

const base = mkdtempSync(join(tmpdir(), 'kata-warm-test-'));
const root = buildGraderTree(join(base, 'tree'), ['tally', 'reverse']);
const log = join(base, 'log');
afterAll(() => rmSync(base, { recursive: true, force: true }));

// A check that hangs must be stopped quickly here: one second, not the kit's default.
const specFile = join(root, 'katas', 'tally', 'spec.ts');
writeFileSync(
  specFile,
  readFileSync(specFile, 'utf8').replace(
    "{ id: 'empty-input', title: 'no words give no counts', item: 'api-design' }",
    "{ id: 'empty-input', title: 'no words give no counts', item: 'api-design', timeoutMs: 1000 }",
  ),
);
const tallyBody = readFileSync(join(root, 'solutions', 'tally', 'index.ts'), 'utf8');

/**
 * Watches `kata`, saves `files[0]` first and each next file once the previous run is reported
 * and the next spare is ready; returns every run with whether it ran warm and the screen's text.
 */
async function watchSaves(
  kata: Kata,
  files: readonly string[],
  args: { seed?: number } = {},
): Promise<{ runs: { run: KataRun; info: RunInfo }[]; out: string[] }> {
  const { context, out } = capture(root);
  writeFileSync(kata.workFile, files[0]!);
  const controller = new AbortController();
  const runs: { run: KataRun; info: RunInfo }[] = [];
  await new Promise<void>((resolve, reject) => {
    watchKata(kata, args, context, controller.signal, {
      onRun(run, info) {
        runs.push({ run, info });
        const next = files[runs.length];
        if (next === undefined) {
          controller.abort();
          return;
        }
        void info.ready().then(() => writeFileSync(kata.workFile, next), reject);
      },
    }).then(resolve, reject);
  });
  return { runs, out };
}

function statuses(run: KataRun): Record<string, string> {
  return Object.fromEntries(run.outcomes.map((outcome) => [outcome.check.id, outcome.status]));
}

describe('kata watch, warm', () => {
  test('loads the candidate afresh each save: no module state, timer or process of one run is alive in the next', async () => {
    writeFileSync(log, '');
    // Fails every check if anything of an earlier load is still here; leaves a timer and a
    // detached process behind, each writing to the log, which must stop with the run.
    const leaky = (save: number): string => `import { appendFileSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
const seen = globalThis as { kataLoaded?: boolean };
if (seen.kataLoaded) throw new Error('an earlier run of this module is still loaded here');
seen.kataLoaded = true;
appendFileSync(${JSON.stringify(log)}, 'load ${save} ' + process.pid + '\\n');
setInterval(() => appendFileSync(${JSON.stringify(log)}, 'timer ${save}\\n'), 5);
spawn(process.execPath, ['-e', 'setInterval(() => require("fs").appendFileSync(${JSON.stringify(log)}, "process ${save}\\\\n"), 5)'], { detached: true, stdio: 'ignore' }).unref();
// The process has written once before the module finishes loading, however slow its start.
await new Promise<void>((resolve) => {
  const poll = setInterval(() => {
    if (readFileSync(${JSON.stringify(log)}, 'utf8').includes('process ${save}\\n')) {
      clearInterval(poll);
      resolve();
    }
  }, 5);
});
let calls = 0;
${tallyBody.replace('const counts = new Map', 'calls++;\n  if (calls > 2) throw new Error(`module state kept: call ${calls}`);\n  const counts = new Map')}
`;
    const kata = findKata('tally', root);
    const { runs } = await watchSaves(kata, [leaky(1), leaky(2), leaky(3)]);
    expect(runs.map(({ run }) => run.status)).toEqual(['passed', 'passed', 'passed']);
    expect(runs.map(({ info }) => info.warm)).toEqual([true, true, true]);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    const loads = lines.filter((line) => line.startsWith('load '));
    expect(loads.map((line) => line.split(' ')[1])).toEqual(['1', '2', '3']);
    expect(new Set(loads.map((line) => line.split(' ')[2])).size, 'one process per run').toBe(3);
    for (const save of [2, 3]) {
      const after = lines.slice(lines.indexOf(loads[save - 1]!));
      const earlier = after.filter((line) => /^(timer|process) /.test(line) && Number(line.split(' ')[1]) < save);
      expect(earlier, `lines of earlier runs after run ${save} loaded`).toEqual([]);
      expect(after.some((line) => line === `timer ${save}`)).toBe(true);
    }
    // The detectors work: each run's timer and process wrote while it ran.
    expect(lines).toContain('timer 1');
    expect(lines).toContain('process 1');
  }, 120_000);

  test('a run that hangs a check or kills its runner costs that run only: the next save runs warm', async () => {
    const hangs = tallyBody.replace(
      'const counts = new Map',
      'if (words.length === 0) for (;;);\n  const counts = new Map',
    );
    const kills = `process.kill(process.ppid, 'SIGKILL');\n${tallyBody}`;
    const kata = findKata('tally', root);
    const { runs } = await watchSaves(kata, [hangs, kills, tallyBody]);
    expect(statuses(runs[0]!.run)).toEqual({
      'counts-words': 'passed',
      'empty-input': 'failed',
      'rejects-non-arrays': 'passed',
    });
    expect(runs[0]!.run.outcomes[1]!.reason).toMatch(/time limit/);
    expect(runs[1]!.run.status).not.toBe('passed');
    expect(runs[1]!.run.outcomes.every((outcome) => outcome.status !== 'passed')).toBe(true);
    expect(runs[2]!.run.status).toBe('passed');
    expect(runs.map(({ info }) => info.warm)).toEqual([true, true, true]);
  }, 120_000);

  test('prints what `kata test` prints for the same file and seed', async () => {
    const kata = findKata('reverse', root);
    const wrong = readFileSync(join(root, 'solutions', 'reverse', 'index.ts'), 'utf8').replace(
      /export function reverse\(([^)]*)\)([^{]*)\{/,
      'export function reverse($1)$2{\n  if (list.length > 3) return [...list];',
    );
    expect(wrong).toContain('list.length > 3');
    const { runs, out } = await watchSaves(kata, [wrong, wrong], { seed: 7 });
    expect(runs.map(({ info }) => info.warm)).toEqual([true, true]);
    expect(runs[1]!.run.status).toBe('failing');
    const cold = capture(root);
    expect(await testCommand.run(['reverse', '--seed', '7'], cold.context)).toBe(1);
    // The run's own time is the one thing that may differ.
    const timeless = (text: string): string => text.replace(/ · \d+\.\d s\n/, ' · TIME\n');
    const reports = out.filter((text) => text.includes('reverses-any-list'));
    expect(reports).toHaveLength(2);
    expect(reports.map(timeless)).toEqual([timeless(cold.out.join('\n')), timeless(cold.out.join('\n'))]);
    expect(timeless(cold.out.join('\n'))).toContain('--seed=7');
  }, 120_000);
});

describe('a spare runs only a run it was started for', () => {
  const job: ChildJob = {
    root,
    slug: 'tally',
    targetFile: join(root, 'katas', 'tally', 'index.ts'),
    hookTimeoutMs: 20_000,
    workerExecArgv: ['--max-old-space-size=1024'],
  };
  const env = { PATH: '/bin', HOME: '/tmp/a/home', [JOB_ENV]: '{}', [MARKER_ENV]: 'a' };

  test('the same job and environment but for what differs per run fit', () => {
    expect(fits(job, env, { ...job, seedSalt: 'x', canary: 'canary:1' }, { ...env, [JOB_ENV]: '{"x":1}' })).toBe(true);
  });

  test.each([
    ['another target', { ...job, targetFile: '/elsewhere/index.ts' }, env],
    ['another heap limit', { ...job, workerExecArgv: ['--max-old-space-size=64'] }, env],
    ['another load limit', { ...job, hookTimeoutMs: 5 }, env],
    ["the candidate's own tests", { ...job, tests: ['/a.test.ts'] }, env],
    ['another HOME', job, { ...env, HOME: '/tmp/b/home' }],
    ['a variable more', job, { ...env, KATA_DB: 'postgres' }],
    ['a variable less', job, { PATH: '/bin', [JOB_ENV]: '{}', [MARKER_ENV]: 'a' }],
  ])('%s does not fit', (_label, other, otherEnv) => {
    expect(fits(job, env, other, otherEnv)).toBe(false);
  });

  test("the files a spare loads before its job are stamped; the target, the candidate's tests and notes are not", () => {
    const stamp = (): string => sourceStamp(root, 'reverse', join(root, 'katas', 'reverse', 'index.ts'));
    const before = stamp();
    for (const name of ['index.ts', 'reverse.test.ts', 'NOTES.md'])
      writeFileSync(join(root, 'katas', 'reverse', name), `// ${name} ${Date.now()}\n`);
    expect(stamp()).toBe(before);
    writeFileSync(join(root, 'katas', 'reverse', 'helpers.ts'), 'export const x = 1;\n');
    expect(stamp()).not.toBe(before);
    rmSync(join(root, 'katas', 'reverse', 'helpers.ts'));
    rmSync(join(root, 'katas', 'reverse', 'reverse.test.ts'));
    rmSync(join(root, 'katas', 'reverse', 'NOTES.md'));
    expect(stamp()).toBe(before);
  });

  test('a spare started before a file of the kata changed, or for another launch, is not claimed', async () => {
    const spare = await Spare.start({ root, slug: 'tally', targetFile: job.targetFile });
    try {
      const ownEnv = { ...spare.env };
      const ownJob = JSON.parse(spare.env[JOB_ENV]!) as ChildJob;
      expect(spare.claim(ownJob, ownEnv, { isolation: 'namespaces' })).toBeUndefined();
      expect(spare.claim(ownJob, ownEnv, { nodeArgs: ['--inspect'] })).toBeUndefined();
      const later = new Date(Date.now() + 5_000);
      utimesSync(specFile, later, later);
      expect(spare.claim(ownJob, ownEnv, {})).toBeUndefined();
      expect(spare.waiting).toBe(true);
    } finally {
      spare.dispose();
    }
    const fresh = await Spare.start({ root, slug: 'tally', targetFile: job.targetFile });
    try {
      const claimed = fresh.claim(JSON.parse(fresh.env[JOB_ENV]!) as ChildJob, { ...fresh.env }, {});
      expect(claimed?.child.pid).toBe(fresh.child.pid);
      expect(fresh.claim(JSON.parse(fresh.env[JOB_ENV]!) as ChildJob, { ...fresh.env }, {}), 'claimed once').toBe(
        undefined,
      );
    } finally {
      fresh.dispose();
    }
  }, 60_000);
});
