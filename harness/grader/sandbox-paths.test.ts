/**
 * The private /tmp of each run (issue 22), launched as grading launches a run (the session's
 * sandbox, with the run's folder kept): one run never sees another's folder in the session (list
 * or read), nor what it left in /tmp, whether the checkout is this one or a clone under /tmp with
 * its packages there too (as CI runs), where the packages and the grader's tree are put back,
 * read-only, with the references still hidden.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { harnessRoot } from '../catalog/catalog.ts';
import { launchCommand, namespacesWork, type SandboxPaths } from '../runner/sandbox/isolation.ts';
import { runSandbox, sandboxPaths } from './sandbox-paths.ts';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(realpathSync(tmpdir()), prefix));
  made.push(dir);
  return dir;
}

/** A checkout cloned under /tmp with its packages installed there: node_modules a real folder. */
function tmpClone(): string {
  const root = tempDir('kata-sandbox-clone-');
  for (const [path, text] of [
    ['node_modules/some-package/index.js', 'module.exports = 42;\n'],
    ['katas/clamp/index.ts', 'export const stub = true;\n'],
    ['solutions/clamp/index.ts', 'export const reference = true;\n'],
    ['harness/kit/index.ts', 'export const kit = true;\n'],
    ['.git/objects/pack/history.pack', 'solutions/clamp/index.ts, compressed\n'],
  ] as const) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

interface Seen {
  readonly ok: boolean;
  readonly value?: unknown;
  readonly code?: string;
}

/** Runs `body` (a function of `fs` returning a record of probes) in the run whose folder is `runDir`. */
function inRun(sandbox: SandboxPaths, runDir: string, body: string): Record<string, Seen> {
  mkdirSync(runDir, { recursive: true });
  const script = `
const fs = require('node:fs');
const probe = (fn) => { try { return { ok: true, value: fn() }; } catch (error) { return { ok: false, code: error.code }; } };
process.stdout.write(JSON.stringify((${body})(fs, probe)));`;
  const launch = launchCommand(process.execPath, ['-e', script], 'namespaces', runSandbox(sandbox, runDir));
  const result = spawnSync(launch.command, launch.args, { cwd: runDir, encoding: 'utf8', timeout: 20_000 });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, Seen>;
}

/** Run A writes in its folder and in /tmp; run B, in the same session, looks for both. */
function twoRuns(graderRoot: string, session: string): { a: Record<string, Seen>; b: Record<string, Seen> } {
  const sandbox = sandboxPaths(graderRoot, [{ dir: graderRoot }], session);
  const runA = join(session, '001-clamp');
  const runB = join(session, '002-clamp');
  const left = `/tmp/kata-left-${randomBytes(6).toString('hex')}`;
  made.push(left, join(graderRoot, 'node_modules', 'planted.js'));
  const a = inRun(
    sandbox,
    runA,
    `(fs, probe) => ({
      own: probe(() => fs.writeFileSync(${JSON.stringify(join(runA, 'copy-of-reference.ts'))}, 'secret')),
      tmp: probe(() => fs.writeFileSync(${JSON.stringify(left)}, 'left for a later run')),
    })`,
  );
  const b = inRun(
    sandbox,
    runB,
    `(fs, probe) => ({
      own: probe(() => fs.writeFileSync(${JSON.stringify(join(runB, 'mine.txt'))}, 'mine')),
      session: probe(() => fs.readdirSync(${JSON.stringify(session)})),
      otherRun: probe(() => fs.readdirSync(${JSON.stringify(runA)})),
      otherFile: probe(() => fs.readFileSync(${JSON.stringify(join(runA, 'copy-of-reference.ts'))}, 'utf8')),
      leftInTmp: probe(() => fs.existsSync(${JSON.stringify(left)})),
      tmp: probe(() => fs.readdirSync('/tmp').includes(${JSON.stringify(basename(left))})),
      packages: probe(() => fs.readdirSync(${JSON.stringify(join(graderRoot, 'node_modules'))}).length > 0),
      writePackages: probe(() => fs.writeFileSync(${JSON.stringify(join(graderRoot, 'node_modules', 'planted.js'))}, '')),
      kit: probe(() => fs.existsSync(${JSON.stringify(join(graderRoot, 'harness', 'kit', 'index.ts'))})),
      solutions: probe(() => fs.readdirSync(${JSON.stringify(join(graderRoot, 'solutions'))})),
      katas: probe(() => fs.readdirSync(${JSON.stringify(join(graderRoot, 'katas'))})),
      git: probe(() => fs.readdirSync(${JSON.stringify(join(graderRoot, '.git'))})),
      node: probe(() => fs.existsSync(process.execPath)),
    })`,
  );
  return { a, b };
}

function expectApart(a: Record<string, Seen>, b: Record<string, Seen>, session: string): void {
  const context = JSON.stringify({ a, b });
  expect(a.own!.ok, context).toBe(true);
  expect(b.own!.ok, context).toBe(true);
  // B's session holds its own folder only: A's is neither listed nor readable.
  expect(b.session, context).toEqual({ ok: true, value: ['002-clamp'] });
  expect(b.otherRun!.ok, context).toBe(false);
  expect(b.otherFile!.ok, context).toBe(false);
  // What A left in /tmp is gone with A's private /tmp: not in B's, not on the machine.
  expect(b.leftInTmp, context).toEqual({ ok: true, value: false });
  expect(b.tmp, context).toEqual({ ok: true, value: false });
  expect(existsSync(join(session, '001-clamp', 'copy-of-reference.ts'))).toBe(true);
  // What runs need is there, read-only; the references are not.
  expect(b.packages, context).toEqual({ ok: true, value: true });
  expect(b.writePackages!.ok, context).toBe(false);
  expect(b.kit, context).toEqual({ ok: true, value: true });
  expect(b.solutions, context).toEqual({ ok: true, value: [] });
  expect(b.katas, context).toEqual({ ok: true, value: [] });
  // Nor is git's history of them.
  expect(b.git, context).toEqual({ ok: true, value: [] });
  expect(b.node, context).toEqual({ ok: true, value: true });
}

describe.runIf(namespacesWork())('one run never sees another', () => {
  test('in this checkout: not its folder in the session, not what it left in /tmp', () => {
    const session = tempDir('kata-grade-');
    const { a, b } = twoRuns(harnessRoot, session);
    expect(a.tmp, JSON.stringify(a)).toEqual({ ok: true });
    expectApart(a, b, session);
  });

  test('in a clone under /tmp, its packages there too: the same, with the packages and the tree put back', () => {
    const clone = tmpClone();
    const session = tempDir('kata-grade-');
    const { a, b } = twoRuns(clone, session);
    expect(a.tmp, JSON.stringify(a)).toEqual({ ok: true });
    expectApart(a, b, session);
    expect(existsSync(join(clone, 'node_modules', 'planted.js'))).toBe(false);
    // The whole /tmp is private, not the session folder alone.
    const sandbox = sandboxPaths(clone, [{ dir: clone }], session);
    expect(sandbox.private).toMatchObject({ tmpRoot: realpathSync(tmpdir()) });
    expect(sandbox.private?.carry).toEqual(expect.arrayContaining([join(clone, 'node_modules'), clone]));
  });
});
