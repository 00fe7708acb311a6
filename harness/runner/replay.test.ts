/** Which command the harness prints for a person to type: `kata` only when that runs this checkout. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { kataCommand, replayCommand } from './replay.ts';

const ownBinary = fileURLToPath(new URL('../cli/kata.js', import.meta.url));
const base = mkdtempSync(join(tmpdir(), 'kata-path-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A folder for PATH holding `kata`: a link to `target`, or an executable script of its own. */
function binDir(name: string, target?: string): string {
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  if (target === undefined) {
    writeFileSync(join(dir, 'kata'), '#!/bin/sh\necho another kata\n');
    chmodSync(join(dir, 'kata'), 0o755);
  } else {
    symlinkSync(target, join(dir, 'kata'));
  }
  return dir;
}

const path = (...dirs: string[]) => ({ PATH: dirs.join(delimiter) });
const linked = binDir('linked', ownBinary);
const other = binDir('other');
const npmAdded = binDir(join('project', 'node_modules', '.bin'), ownBinary);
const empty = join(base, 'empty');
mkdirSync(empty);

describe('the command printed for a person to run', () => {
  test('is npx kata when no kata is on PATH', () => {
    expect(kataCommand(path(empty, '/usr/bin'), 'linux')).toBe('npx kata');
  });

  test("is kata when the first kata on PATH is this checkout's own binary (npm link)", () => {
    expect(kataCommand(path(empty, linked, other), 'linux')).toBe('kata');
  });

  test('is npx kata when the first kata on PATH is another program', () => {
    expect(kataCommand(path(other, linked), 'linux')).toBe('npx kata');
  });

  test('ignores the node_modules/.bin folders npm and npx add for the process they start', () => {
    expect(kataCommand(path(npmAdded, empty), 'linux')).toBe('npx kata');
  });

  test('is npx kata on Windows, whose command shims cannot be traced to a file', () => {
    expect(kataCommand(path(linked), 'win32')).toBe('npx kata');
  });

  test('a replay names the command, the candidate, the check and the seed in a form that parses', () => {
    expect(replayCommand('pubsub', 'ordered-delivery-1000', -1508925458, { command: 'npx kata' })).toBe(
      'npx kata test pubsub --only ordered-delivery-1000 --seed=-1508925458',
    );
    expect(replayCommand('pubsub', 'ordered', 7, { command: 'kata', candidateDir: "/c/o'brien", thorough: true })).toBe(
      "kata test pubsub --candidate '/c/o'\\''brien' --only ordered --seed=7 --thorough",
    );
  });

  test('a replay of a run on PostgreSQL says --db postgres; one on SQLite, the default, says nothing', () => {
    expect(replayCommand('rbac', 'deny-wins', 3, { command: 'npx kata', candidateDir: 'c', engine: 'postgres' })).toBe(
      'npx kata test rbac --candidate c --db postgres --only deny-wins --seed=3',
    );
    expect(replayCommand('rbac', 'deny-wins', 3, { command: 'npx kata', engine: 'sqlite' })).toBe(
      'npx kata test rbac --only deny-wins --seed=3',
    );
  });
});
