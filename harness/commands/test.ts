/** `kata test <slug>`: runs the spec against the candidate's file and explains every failure. */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { findKata, loadSpec, type Kata } from '../catalog/catalog.ts';
import { GRADING_RUNS_FACTOR, parseSeed } from '../kit/seed.ts';
import { collectChecks } from '../kit/spec.ts';
import { runKata } from '../runner/run.ts';
import type { KataRun } from '../runner/outcomes.ts';
import { parseCommandArgs, UsageError, type Command, type CommandContext } from './command.ts';
import { summariseRun } from './kata-status.ts';
import { hashFile, loadProgress, saveProgress } from './progress.ts';
import { renderRun } from './run-report.ts';

export interface TestSelection {
  readonly only?: readonly string[];
  readonly seed?: number;
  /** Run as many cases as grading does. */
  readonly thorough?: boolean;
}

export const testOptions = {
  only: { type: 'string' },
  seed: { type: 'string' },
  thorough: { type: 'boolean' },
} as const;

/** Validates --only and --seed against the kata's spec. */
export async function parseSelection(
  command: string,
  kata: Kata,
  values: { only?: string | undefined; seed?: string | undefined; thorough?: boolean | undefined },
): Promise<TestSelection> {
  let only: string[] | undefined;
  if (values.only !== undefined) {
    only = values.only
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== '');
    const known = collectChecks(await loadSpec(kata)).map((check) => check.id);
    const unknown = only.filter((id) => !known.includes(id));
    if (only.length === 0 || unknown.length > 0) {
      throw new UsageError(
        `kata ${command}: --only names unknown check(s) ${JSON.stringify(unknown.join(',') || values.only)}; ${kata.slug} has: ${known.join(', ')}`,
      );
    }
  }
  let seed: number | undefined;
  if (values.seed !== undefined) {
    try {
      seed = parseSeed(values.seed, '--seed');
    } catch (error) {
      throw new UsageError(`kata ${command}: ${(error as Error).message}`);
    }
  }
  return {
    ...(only ? { only } : {}),
    ...(seed === undefined ? {} : { seed }),
    ...(values.thorough ? { thorough: true } : {}),
  };
}

/** Runs one kata for the candidate, prints the report and records progress. Returns the run. */
export async function testKata(kata: Kata, selection: TestSelection, context: CommandContext): Promise<KataRun> {
  if (!existsSync(kata.workFile)) {
    throw new UsageError(
      `kata test: ${relative(context.root, kata.workFile)} is missing; restore the stub with \`kata reset ${kata.slug}\``,
    );
  }
  const hash = hashFile(kata.workFile);
  const run = await runKata(kata.slug, kata.workFile, {
    root: context.root,
    ...(selection.only === undefined ? {} : { only: selection.only }),
    // A pinned seed replays; otherwise every run explores new cases.
    ...(selection.seed === undefined ? { seedSalt: randomBytes(8).toString('hex') } : { seed: selection.seed }),
    ...(selection.thorough ? { runsFactor: GRADING_RUNS_FACTOR } : {}),
  });
  const progress = loadProgress(context.root);
  // A partial run (--only) says nothing about the kata as a whole, so it is not cached.
  if (selection.only === undefined) {
    progress.lastRuns[kata.slug] = summariseRun(run, hash);
    saveProgress(context.root, progress);
  }
  const hintsLeft = kata.manifest.hints.length - (progress.hintsShown[kata.slug] ?? 0);
  context.out(
    renderRun(kata, run, context.palette, { root: context.root, hintsLeft, thorough: selection.thorough === true }),
  );
  return run;
}

export const testCommand: Command = {
  name: 'test',
  summary: "run a kata's spec against your katas/<slug>/index.ts",
  usage: 'kata test <slug> [--only check-id,...] [--seed N] [--thorough]',
  async run(args, context) {
    const { values, positionals } = parseCommandArgs('test', args, testOptions, true);
    if (positionals.length !== 1)
      throw new UsageError(`kata test: expected one kata slug, received ${positionals.length}`);
    const kata = findKata(positionals[0]!, context.root);
    const run = await testKata(kata, await parseSelection('test', kata, values), context);
    return run.status === 'passed' ? 0 : 1;
  },
};
