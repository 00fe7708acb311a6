/**
 * A scorecard's replay line, run as printed, gives the same failure: same check, same message.
 * Grades a wrong candidate in a grader tree of its own (never this checkout), then runs the line.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { grade } from '../grader/grade.ts';
import { buildGraderTree } from '../grader/hostile/fixture.ts';
import { renderScorecard } from '../grader/render/terminal.ts';
import type { CommandContext } from './command.ts';
import { createPalette } from './palette.ts';
import { testCommand } from './test.ts';

const base = mkdtempSync(join(tmpdir(), 'kata-replay-line-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** Splits a printed command line into words (no quoting needed: the folders have no spaces). */
function words(line: string): string[] {
  return line.trim().split(/\s+/);
}

const squash = (text: string): string => text.replace(/\s+/g, ' ');

test("a scorecard's replay line, run as printed, fails the same check with the same message", async () => {
  const graderRoot = buildGraderTree(join(base, 'grader'), ['reverse']);
  const candidate = join(base, 'cy');
  mkdirSync(join(candidate, 'katas', 'reverse'), { recursive: true });
  writeFileSync(
    join(candidate, 'katas', 'reverse', 'index.ts'),
    '/** Forgets to reverse lists of three or more. */\nexport function reverse(list: readonly number[]): number[] {\n  return list.length > 2 ? [...list] : [...list].reverse();\n}\n',
  );
  const { reports } = await grade([{ name: 'cy', kind: 'candidate', dir: candidate }], { graderRoot, concurrency: 1 });
  const check = reports[0]!.katas[0]!.checks[0]!;
  expect([check.id, check.status]).toEqual(['reverses-any-list', 'failed']);

  const lines = renderScorecard(reports[0]!, createPalette(false), { invocation: 'npx kata', width: 200 }).split('\n');
  const printed = lines
    .find((line) => line.trim().startsWith('replay: '))!
    .trim()
    .slice('replay: '.length);
  const [npx, kata, command, ...args] = words(printed);
  expect([npx, kata, command]).toEqual(['npx', 'kata', 'test']);
  expect(args).toEqual(expect.arrayContaining(['--candidate', candidate, '--thorough']));

  const out: string[] = [];
  const context: CommandContext = {
    root: graderRoot,
    out: (text) => out.push(text),
    err: (text) => out.push(text),
    palette: createPalette(false),
    interactive: false,
    prompt: async () => '',
    invocation: 'npx kata',
    width: 200,
  };
  expect(await testCommand.run(args, context)).toBe(1);
  const text = out.join('\n');
  expect(text).toContain(`✗ ${check.id}`);
  expect(squash(text)).toContain(squash(check.message));
}, 120_000);
