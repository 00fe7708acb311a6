/**
 * `kata test <slug>`: runs the spec against the candidate's file and explains every failure.
 * `kata test <slug> --candidate DIR` runs DIR/katas/<slug>/index.ts as `kata grade` does (the
 * grader's own tree, checks and stub, seeds from the submission, the same isolation), so an
 * interviewer can replay a failure from a scorecard.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { findKata, loadSpec, type Kata } from '../catalog/catalog.ts';
import { prepareCandidateKata } from '../grader/grade.ts';
import { GRADING_RUNS_FACTOR, parseSeed } from '../kit/seed.ts';
import { collectChecks } from '../kit/spec.ts';
import { runKata } from '../runner/run.ts';
import type { KataRun } from '../runner/outcomes.ts';
import { commandLine, parseCommandArgs, UsageError, widthOf, type Command, type CommandContext } from './command.ts';
import { summariseRun } from './kata-status.ts';
import { hashFile, loadProgress, saveProgress } from './progress.ts';
import { renderRun } from './run-report.ts';

export interface TestSelection {
  readonly only?: readonly string[];
  readonly seed?: number;
  /** Run as many cases as grading does. */
  readonly thorough?: boolean;
  /** Run this checkout's katas/<slug>/index.ts as grading does, not the working copy. */
  readonly candidate?: string;
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

function reportOptions(context: CommandContext) {
  return {
    root: context.root,
    width: widthOf(context),
    ...(context.rows === undefined ? {} : { rows: context.rows }),
    ...(context.invocation === undefined ? {} : { invocation: context.invocation }),
  };
}

/** Runs one kata for the candidate, prints the report and records progress. Returns the run. */
export async function testKata(
  kata: Kata,
  selection: TestSelection,
  context: CommandContext,
  watching = false,
): Promise<KataRun> {
  if (selection.candidate !== undefined) return testCandidate(kata, selection, selection.candidate, context);
  if (!existsSync(kata.workFile)) {
    throw new UsageError(
      `kata test: ${relative(context.root, kata.workFile)} is missing; restore the stub with \`${commandLine(context, `reset ${kata.slug}`)}\``,
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
  const options = reportOptions(context);
  context.out(
    renderRun(kata, run, context.palette, {
      ...options,
      ...(watching ? {} : { rows: undefined }),
      hintsLeft,
      thorough: selection.thorough === true,
    }),
  );
  return run;
}

/**
 * A candidate's file, run as grading runs it: without --seed its seeds come from the file, as the
 * grader's do, so `--thorough` reproduces the grading run check for check. Their progress is theirs:
 * nothing is recorded.
 */
async function testCandidate(
  kata: Kata,
  selection: TestSelection,
  candidate: string,
  context: CommandContext,
): Promise<KataRun> {
  const dir = resolve(candidate);
  const file = `${candidate.replace(/\/+$/, '')}/katas/${kata.slug}/index.ts`;
  if (!existsSync(resolve(dir, 'katas', kata.slug, 'index.ts'))) {
    throw new UsageError(
      `kata test: ${file} is missing; --candidate names a checkout that holds katas/${kata.slug}/index.ts`,
    );
  }
  const prepared = await prepareCandidateKata(context.root, dir, kata.slug);
  try {
    if (prepared.refusal !== undefined) {
      throw new UsageError(`kata test: ${file} is not graded: ${prepared.refusal}`);
    }
    const run = await runKata(kata.slug, prepared.targetFile, {
      ...prepared.options,
      ...(selection.only === undefined ? {} : { only: selection.only }),
      ...(selection.seed === undefined ? {} : { seed: selection.seed }),
      ...(selection.thorough ? { runsFactor: GRADING_RUNS_FACTOR } : {}),
    });
    context.out(
      renderRun(kata, run, context.palette, {
        ...reportOptions(context),
        rows: undefined,
        thorough: selection.thorough === true,
        candidateDir: candidate,
        shownFile: file,
      }),
    );
    return run;
  } finally {
    prepared.dispose();
  }
}

export const testCommand: Command = {
  name: 'test',
  summary: "run a kata's spec against your katas/<slug>/index.ts (or a candidate's, as grading does)",
  usage: 'kata test <slug> [--only check-id,...] [--seed N] [--thorough] [--candidate DIR]',
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(
      'test',
      args,
      { ...testOptions, candidate: { type: 'string' } },
      true,
      context.invocation,
    );
    if (positionals.length !== 1)
      throw new UsageError(
        `kata test: expected one kata slug, received ${positionals.length} (see \`${commandLine(context, 'test --help')}\`)`,
      );
    const kata = findKata(positionals[0]!, context.root);
    const selection = await parseSelection('test', kata, values);
    const run = await testKata(
      kata,
      { ...selection, ...(values.candidate === undefined ? {} : { candidate: values.candidate }) },
      context,
    );
    return run.status === 'passed' ? 0 : 1;
  },
};
