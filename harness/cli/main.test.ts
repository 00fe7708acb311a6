import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { harnessRoot } from '../catalog/catalog.ts';
import { hashFile } from '../commands/progress.ts';
import { capture } from '../commands/testing/capture.ts';
import { kataCommand } from '../runner/replay.ts';
import { buildBundle, freshBundle } from './bundle.js';
import { commandNames, loadCommands, main } from './main.ts';
import { needsLoader } from './startup.ts';

const scratchRoots: string[] = [];

/** A throwaway repository whose specs can run: the harness and packages linked, the kata copied. */
function scratchWithHarnessForRuns(): string {
  const root = scratchRepository();
  symlinkSync(join(harnessRoot, 'harness'), join(root, 'harness'));
  symlinkSync(join(harnessRoot, 'node_modules'), join(root, 'node_modules'));
  cpSync(join(harnessRoot, 'package.json'), join(root, 'package.json'));
  cpSync(join(harnessRoot, 'tsconfig.json'), join(root, 'tsconfig.json'));
  return root;
}

/** A throwaway repository with the anagram kata only, for commands that write files. */
function scratchRepository(): string {
  const root = mkdtempSync(join(tmpdir(), 'kata-cli-'));
  scratchRoots.push(root);
  cpSync(join(harnessRoot, 'katas', 'anagram'), join(root, 'katas', 'anagram'), { recursive: true });
  cpSync(join(harnessRoot, 'solutions', 'anagram'), join(root, 'solutions', 'anagram'), { recursive: true });
  return root;
}

afterEach(() => {
  for (const root of scratchRoots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('kata (command line)', () => {
  test('prints every command in --help', async () => {
    const { context, out } = capture();
    expect(await main(['--help'], context)).toBe(0);
    for (const name of ['list', 'test', 'watch', 'hint', 'solution', 'reset', 'rules', 'grade', 'report']) {
      expect(out.join('\n')).toContain(`kata ${name}`);
    }
  });

  test('kata report names what it can do, and says what it cannot', async () => {
    const help = capture();
    expect(await main(['report', '--help'], help.context)).toBe(0);
    expect(help.out[0]).toMatch(/^kata report merge FILE\.\.\./);
    const wrong = capture();
    expect(await main(['report', 'combine'], wrong.context)).toBe(2);
    expect(wrong.err).toEqual(['kata report: unknown action "combine": merge FILE... or shard i/n FILE']);
    const missing = capture();
    expect(await main(['report', 'merge', '/definitely/not/here.json'], missing.context)).toBe(2);
    expect(missing.err[0]).toMatch(/^kata report: cannot read the shard report \/definitely\/not\/here\.json: ENOENT/);
  });

  test("prints one command's usage with <command> --help", async () => {
    const { context, out } = capture();
    expect(await main(['grade', '--help'], context)).toBe(0);
    expect(out[0]).toMatch(/^kata grade /);
  });

  test('rejects an unknown command in one line with exit code 2', async () => {
    const { context, err } = capture();
    expect(await main(['tset'], context)).toBe(2);
    expect(err).toEqual([expect.stringContaining('kata: unknown command "tset"')]);
  });

  test('rejects an unknown kata, listing the known ones', async () => {
    const { context, err } = capture();
    expect(await main(['hint', 'anagrm'], context)).toBe(2);
    expect(err).toEqual([expect.stringMatching(/^kata hint: unknown kata "anagrm"; known katas: .*anagram/)]);
  });

  test('rejects an unknown option by name, pointing at the help to read', async () => {
    const { context, err } = capture();
    expect(await main(['test', 'anagram', '--frob'], context)).toBe(2);
    expect(err).toEqual(['kata test: unknown option --frob (see `npx kata test --help`)']);
  });

  test('says an option that needs a value did not get one', async () => {
    const { context, err } = capture();
    expect(await main(['test', 'anagram', '--seed'], context)).toBe(2);
    expect(err).toEqual(['kata test: --seed needs a value (see `npx kata test --help`)']);
  });

  test('rejects --only with a check the spec does not declare', async () => {
    const { context, err } = capture();
    expect(await main(['test', 'anagram', '--only', 'nope'], context)).toBe(2);
    expect(err[0]).toContain('--only names unknown check(s) "nope"');
  });

  /** A scratch repository whose specs can load: they import the harness relative to themselves. */
  function scratchWithHarness(): string {
    const root = scratchRepository();
    symlinkSync(join(harnessRoot, 'harness'), join(root, 'harness'));
    symlinkSync(join(harnessRoot, 'node_modules'), join(root, 'node_modules'));
    return root;
  }

  test('kata rules --json lists each rule with its checks and wrong files, and the gaps', async () => {
    const root = scratchWithHarness();
    const manifestFile = join(root, 'katas', 'anagram', 'kata.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(
      manifestFile,
      JSON.stringify({ ...manifest, rules: [{ id: 'made-up-rule', text: 'A rule nothing proves yet.' }] }),
    );
    const { context, out } = capture(root);
    expect(await main(['rules', 'anagram', '--json'], context)).toBe(1);
    const ledger = JSON.parse(out.join('\n')) as {
      slug: string;
      complete: boolean;
      rules: { id: string; text: string; checks: string[]; wrong: string[] }[];
      problems: string[];
    };
    expect(ledger.slug).toBe('anagram');
    expect(ledger.complete).toBe(false);
    expect(ledger.rules).toEqual([{ id: 'made-up-rule', text: 'A rule nothing proves yet.', checks: [], wrong: [] }]);
    expect(ledger.problems).toContain('rule made-up-rule is proved by no check');
    expect(ledger.problems).toContain('rule made-up-rule is not shown in README.md (as `made-up-rule`)');
  });

  test('kata rules says so when a kata has no ledger yet', async () => {
    const root = scratchWithHarness();
    const manifestFile = join(root, 'katas', 'anagram', 'kata.json');
    const { rules: _rules, ...manifest } = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const { context, out } = capture(root);
    expect(await main(['rules', 'anagram'], context)).toBe(1);
    expect(out.join('\n')).toBe('anagram has no rule ledger yet: its kata.json lists no "rules".');
  });

  test('rejects a seed that is not an integer', async () => {
    const { context, err } = capture();
    expect(await main(['test', 'anagram', '--seed', 'abc'], context)).toBe(2);
    expect(err[0]).toBe('kata test: --seed must be a 32-bit integer, received "abc"');
  });

  test('lists the untouched anagram kata as not started and suggests it', async () => {
    const { context, out } = capture(scratchRepository());
    expect(await main([], context)).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/anagram\s+easy\s+· not started/);
    expect(text).toContain('kata watch anagram');
  });

  test('keeps every line of the list within 80 columns', async () => {
    const { context, out } = capture(scratchRepository());
    expect(await main(['list'], context)).toBe(0);
    const lines = out.join('\n').split('\n');
    expect(lines.filter((line) => line.length > 80)).toEqual([]);
    expect(lines.join(' ')).toContain('in linear time.');
  });

  test('shows hints one at a time and remembers how many were shown', async () => {
    const root = scratchRepository();
    const first = capture(root);
    await main(['hint', 'anagram'], first.context);
    expect(first.out[0]).toMatch(/^Hint 1 of 5: /);
    const second = capture(root);
    await main(['hint', 'anagram'], second.context);
    expect(second.out[0]).toMatch(/^Hint 2 of 5: /);
    const all = capture(root);
    await main(['hint', 'anagram', '--all'], all.context);
    expect(all.out).toHaveLength(2);
  });

  test('refuses to show the solution on a non-interactive terminal without --yes', async () => {
    const { context, err, out } = capture(scratchRepository());
    expect(await main(['solution', 'anagram'], context)).toBe(2);
    expect(err[0]).toContain('pass --yes');
    expect(out).toEqual([]);
  });

  test('shows nothing when the candidate declines the spoiler prompt', async () => {
    const { context, out } = capture(scratchRepository(), ['n']);
    expect(await main(['solution', 'anagram'], context)).toBe(0);
    expect(out.join('\n')).not.toContain('export function isAnagram');
  });

  test('shows the reference, the notes and why each wrong solution fails with --yes', async () => {
    const { context, out } = capture(scratchRepository());
    expect(await main(['solution', 'anagram', '--yes'], context)).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('export function isAnagram');
    expect(text).toContain('# Anagram check: notes on the reference');
    expect(text).toContain('ascii-table: counts into a 36-slot table');
  });

  test('reset restores the stub and keeps a backup of the edited file', async () => {
    const root = scratchRepository();
    const work = join(root, 'katas', 'anagram', 'index.ts');
    writeFileSync(work, '// my attempt\n');
    const { context, out } = capture(root);
    expect(await main(['reset', 'anagram'], context)).toBe(0);
    expect(readFileSync(work, 'utf8')).toBe(readFileSync(join(root, 'katas', 'anagram', 'stub.ts'), 'utf8'));
    const backups = readdirSync(join(root, '.kata', 'backups', 'anagram'));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(root, '.kata', 'backups', 'anagram', backups[0]!), 'utf8')).toBe('// my attempt\n');
    expect(out[0]).toMatch(/^Saved your file to \.kata\/backups\/anagram\//);
  });

  test('reset on an untouched stub changes nothing', async () => {
    const root = scratchRepository();
    const { context, out } = capture(root);
    expect(await main(['reset', 'anagram'], context)).toBe(0);
    expect(out[0]).toContain('already the untouched stub');
    expect(existsSync(join(root, '.kata', 'backups'))).toBe(false);
  });
});

describe('kata test (end to end)', () => {
  test('accepts a negative seed after a space, as a printed seed may be', async () => {
    const root = scratchWithHarnessForRuns();
    const { context, out, err } = capture(root);
    expect(await main(['test', 'anagram', '--only', 'symmetry', '--seed', '-1508925458'], context)).toBe(1);
    expect(err).toEqual([]);
    expect(out.join('\n')).toMatch(/not started · 1 checks? waiting/);
  });

  test("--candidate runs the candidate's file as grading does, leaving the working copy alone", async () => {
    const root = scratchWithHarnessForRuns();
    const candidate = mkdtempSync(join(tmpdir(), 'kata-cli-candidate-'));
    scratchRoots.push(candidate);
    mkdirSync(join(candidate, 'katas', 'anagram'), { recursive: true });
    writeFileSync(
      join(candidate, 'katas', 'anagram', 'index.ts'),
      'export function isAnagram(a: string, b: string): boolean {\n  return a === b;\n}\n',
    );
    const { context, out, err } = capture(root);
    const code = await main(['test', 'anagram', '--candidate', candidate], context);
    expect([code, err]).toEqual([1, []]);
    const text = out.join('\n');
    expect(text).toMatch(/^ {4}✗ /m);
    expect(text).toContain(`npx kata test anagram --candidate ${candidate}`);
    expect(readFileSync(join(root, 'katas', 'anagram', 'index.ts'), 'utf8')).toBe(
      readFileSync(join(root, 'katas', 'anagram', 'stub.ts'), 'utf8'),
    );
    expect(existsSync(join(root, '.kata', 'progress.json'))).toBe(false);
    // A stranger's run leaves nothing a later run would load (see moduleCacheOf).
    expect(existsSync(join(root, '.kata', 'cache'))).toBe(false);
  });

  test("keeps the modules vitest transformed for the next run, which still sees every edit of the candidate's file", async () => {
    const root = scratchWithHarnessForRuns();
    const workFile = join(root, 'katas', 'anagram', 'index.ts');
    const run = async (): Promise<string> => {
      const { context, out } = capture(root);
      await main(['test', 'anagram', '--only', 'symmetry', '--seed', '1'], context);
      return out.join('\n');
    };
    expect(await run()).toMatch(/not started/);
    const cached = readdirSync(join(root, '.kata', 'cache', 'modules'));
    expect(cached.length).toBeGreaterThan(0);
    cpSync(join(root, 'solutions', 'anagram', 'index.ts'), workFile);
    expect(await run()).toMatch(/All checks pass/);
    writeFileSync(
      workFile,
      'export function isAnagram(a: string, b: string): boolean {\n  return a.startsWith(b);\n}\n',
    );
    expect(await run()).toMatch(/^ {4}✗ /m);
    // Later runs found the kit and the spec in the cache: only the changed file was added.
    expect(readdirSync(join(root, '.kata', 'cache', 'modules')).length).toBeLessThanOrEqual(cached.length + 2);
  });

  test('reports the stub as not started, listing what to build', async () => {
    // The harness and dependencies are linked, the kata copied: the run cannot touch this repository's files.
    const root = scratchRepository();
    symlinkSync(join(harnessRoot, 'harness'), join(root, 'harness'));
    symlinkSync(join(harnessRoot, 'node_modules'), join(root, 'node_modules'));
    const { context, out } = capture(root);
    expect(await main(['test', 'anagram'], context)).toBe(1);
    const text = out.join('\n');
    const waiting = Number(/not started · (\d+) checks waiting/.exec(text)?.[1]);
    // One line per check to build, its title wrapped under it.
    expect(text.split('\n').filter((line) => line.startsWith('  · '))).toHaveLength(waiting);
  });
});

describe('kata start-up', () => {
  test('each command entry loads the command it is named after', async () => {
    expect((await loadCommands()).map((command) => command.name)).toEqual(commandNames);
  });

  test('only command lines that may import TypeScript at run time need the loader', () => {
    const root = scratchRepository();
    for (const argv of [
      ['--help'],
      ['-v'],
      ['hint', 'anagram'],
      ['solution', 'anagram', '--yes'],
      ['reset', 'anagram'],
    ])
      expect([argv, needsLoader(argv, root)]).toEqual([argv, false]);
    for (const argv of [['report', 'merge', 'a.json'], ['test', '--help'], ['grade', '-h'], ['tset']])
      expect([argv, needsLoader(argv, root)]).toEqual([argv, false]);
    for (const argv of [['test', 'anagram'], ['watch', 'anagram'], ['grade'], ['rules', 'anagram']])
      expect([argv, needsLoader(argv, root)]).toEqual([argv, true]);
  });

  test('kata list needs the loader exactly when it would run a spec: an edited file with no result for its hash', () => {
    const root = scratchRepository();
    expect(needsLoader([], root)).toBe(false);
    const work = join(root, 'katas', 'anagram', 'index.ts');
    writeFileSync(work, '// my attempt\n');
    expect(needsLoader(['list'], root)).toBe(true);
    const run = { hash: hashFile(work), status: 'failing', passed: 0, total: 1, at: new Date(0).toISOString() };
    mkdirSync(join(root, '.kata'));
    writeFileSync(
      join(root, '.kata', 'progress.json'),
      JSON.stringify({ version: 1, hintsShown: {}, lastRuns: { anagram: run } }),
    );
    expect(needsLoader(['list'], root)).toBe(false);
    writeFileSync(work, '// my second attempt\n');
    expect(needsLoader(['list'], root)).toBe(true);
  });

  test('the bundle is fresh once built, and prints what the sources print', async () => {
    // Under node_modules, as the real one is, so the bundle's package imports resolve.
    mkdirSync(join(harnessRoot, 'node_modules', '.cache'), { recursive: true });
    const dir = mkdtempSync(join(harnessRoot, 'node_modules', '.cache', 'kata-cli-test-'));
    scratchRoots.push(dir);
    expect(freshBundle(dir)).toBeUndefined();
    const file = await buildBundle(dir);
    expect(freshBundle(dir)).toBe(file);
    // The same command lines, in order, in two scratch repositories: one through the bundle, in a
    // process of its own, one through the sources here. Hints and lists write progress as they go.
    const bundledRoot = scratchRepository();
    const sourcesRoot = scratchRepository();
    const lines = [
      ['--help'],
      ['--version'],
      ['list'],
      ['hint', 'anagram'],
      ['hint', 'anagram'],
      ['hint', 'anagram', '--all'],
      ['solution', 'anagram', '--yes'],
      ['hint', 'anagrm'],
    ];
    for (const argv of lines) {
      const bundled = spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '--eval',
          [
            `const { createContext, main } = await import(${JSON.stringify(pathToFileURL(file).href)});`,
            'const [root, argv] = process.argv.slice(1);',
            'process.exitCode = await main(JSON.parse(argv), createContext(root));',
          ].join('\n'),
          '--',
          bundledRoot,
          JSON.stringify(argv),
        ],
        { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined } },
      );
      const { context, out, err } = capture(sourcesRoot);
      const status = await main(argv, { ...context, invocation: kataCommand() });
      expect([argv, status]).toEqual([argv, argv.includes('anagrm') ? 2 : 0]);
      const printed = (written: readonly string[]): string => written.map((line) => `${line}\n`).join('');
      expect({ argv, status: bundled.status, stdout: bundled.stdout, stderr: bundled.stderr }).toEqual({
        argv,
        status,
        stdout: printed(out),
        stderr: printed(err),
      });
    }
    rmSync(file);
    expect(freshBundle(dir)).toBeUndefined();
  });
});
