/**
 * `kata test <slug>`: runs the spec against the candidate's file and explains every failure.
 * `kata test <slug> --candidate DIR` runs DIR/katas/<slug>/index.ts as `kata grade` does (the
 * grader's own tree, checks and stub, seeds from the submission, the same isolation), so an
 * interviewer can replay a failure from a scorecard.
 * `kata test <slug> --mine` runs the candidate's own tests (katas/<slug>/*.test.ts) against their
 * code, the reference and every wrong file, as grading does for "Testing considerations"; with
 * `--db postgres`, on PostgreSQL against its gallery (postgres/index.ts and postgres-wrong/), as
 * `kata grade --db postgres` does.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { findKata, loadSpec, type Kata } from '../catalog/catalog.ts';
import { databaseEngines, supportedDatabases } from '../catalog/manifest.ts';
import type { Dialect } from '../kit/db/types.ts';
import { availableParallelism } from 'node:os';
import { prepareCandidateKata, testCandidateSuite } from '../grader/grade.ts';
import { GRADING_RUNS_FACTOR, parseSeed } from '../kit/seed.ts';
import { collectChecks } from '../kit/spec.ts';
import { runKata, type RunOptions } from '../runner/run.ts';
import { Spare } from '../runner/warm.ts';
import type { KataRun } from '../runner/outcomes.ts';
import { kataCommand } from '../runner/replay.ts';
import { isolationForEngine } from '../runner/sandbox/isolation.ts';
import { commandLine, parseCommandArgs, UsageError, widthOf, type Command, type CommandContext } from './command.ts';
import { summariseRun } from './kata-status.ts';
import { hashFile, loadProgress, saveProgress } from './progress.ts';
import { renderRun } from './run-report.ts';
import { renderMine } from './mine-report.ts';

export interface TestSelection {
  readonly only?: readonly string[];
  readonly seed?: number;
  /** Run as many cases as grading does. */
  readonly thorough?: boolean;
  /** Run this checkout's katas/<slug>/index.ts as grading does, not the working copy. */
  readonly candidate?: string;
  /** The database engine the spec's databases use (`--db`). Default: sqlite. */
  readonly engine?: Dialect;
}

/**
 * `--db sqlite|postgres` for `kata test` and `kata grade`: the engine, or undefined when the flag
 * is absent (SQLite, the kit's default). Anything else is a usage error naming the flag and value.
 */
export function parseEngine(command: string, raw: string | undefined): Dialect | undefined {
  if (raw === undefined) return undefined;
  if (!databaseEngines.includes(raw as Dialect)) {
    throw new UsageError(`kata ${command}: --db must be one of ${databaseEngines.join(', ')}, received "${raw}"`);
  }
  return raw as Dialect;
}

/** Refuses an engine the kata's manifest does not list: its spec was not written for it. */
export function checkEngineSupported(command: string, kata: Kata, engine: Dialect): void {
  const databases = supportedDatabases(kata.manifest);
  if (!databases.includes(engine)) {
    throw new UsageError(
      `kata ${command}: ${kata.slug} does not run on --db ${engine}; its kata.json "databases" lists ${databases.join(', ')}`,
    );
  }
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

/**
 * Where the candidate's own runs keep vitest's transformed modules (kit, spec, their file), so a
 * run transforms only what changed: about a third of a second of every `kata test`. Never for
 * `--candidate` or grading, whose runs must not share anything they write.
 */
export function moduleCacheOf(root: string): string {
  return join(root, '.kata', 'cache', 'modules');
}

/** Runs one kata for the candidate, prints the report and records progress. Returns the run. */
export async function testKata(
  kata: Kata,
  selection: TestSelection,
  context: CommandContext,
  watching = false,
  warm: Pick<RunOptions, 'spare' | 'workDir'> = {},
): Promise<KataRun> {
  if (selection.candidate !== undefined) return testCandidate(kata, selection, selection.candidate, context);
  if (!existsSync(kata.workFile)) {
    throw new UsageError(
      `kata test: ${relative(context.root, kata.workFile)} is missing; restore the stub with \`${commandLine(context, `reset ${kata.slug}`)}\``,
    );
  }
  const hash = hashFile(kata.workFile);
  // Started before the checks are listed, so the child loads vitest, the kit and the spec while this
  // process does (runner/warm.ts).
  const spare = watching
    ? undefined
    : await Spare.start({
        root: context.root,
        slug: kata.slug,
        targetFile: kata.workFile,
        moduleCache: moduleCacheOf(context.root),
        ...(selection.engine === undefined ? {} : { engine: selection.engine }),
      });
  const run = await runKata(kata.slug, kata.workFile, {
    // `kata watch`'s spare, or this run's own, for the first attempt.
    ...(spare?.runOptions() ?? warm),
    root: context.root,
    moduleCache: moduleCacheOf(context.root),
    ...(selection.only === undefined ? {} : { only: selection.only }),
    // A pinned seed replays; otherwise every run explores new cases.
    ...(selection.seed === undefined ? { seedSalt: randomBytes(8).toString('hex') } : { seed: selection.seed }),
    ...(selection.thorough ? { runsFactor: GRADING_RUNS_FACTOR } : {}),
    ...(selection.engine === undefined ? {} : { engine: selection.engine }),
  }).finally(() => spare?.dispose());
  const progress = loadProgress(context.root);
  // A partial run (--only) says nothing about the kata as a whole, so it is not cached; nor does a
  // run on PostgreSQL, which `kata list` and `watch` (on SQLite) would otherwise take for theirs.
  if (selection.only === undefined && (selection.engine ?? 'sqlite') === 'sqlite') {
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
      ...(selection.engine === undefined ? {} : { engine: selection.engine }),
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
  const isolation = isolationForEngine(selection.engine ?? 'sqlite', 'auto').choice;
  const prepared = await prepareCandidateKata(context.root, dir, kata.slug, isolation);
  try {
    if (prepared.refusal !== undefined) {
      throw new UsageError(`kata test: ${file} is not graded: ${prepared.refusal}`);
    }
    const run = await runKata(kata.slug, prepared.targetFile, {
      ...prepared.options,
      ...(selection.only === undefined ? {} : { only: selection.only }),
      ...(selection.seed === undefined ? {} : { seed: selection.seed }),
      ...(selection.thorough ? { runsFactor: GRADING_RUNS_FACTOR } : {}),
      ...(selection.engine === undefined ? {} : { engine: selection.engine }),
    });
    context.out(
      renderRun(kata, run, context.palette, {
        ...reportOptions(context),
        rows: undefined,
        thorough: selection.thorough === true,
        candidateDir: candidate,
        shownFile: file,
        ...(selection.engine === undefined ? {} : { engine: selection.engine }),
      }),
    );
    return run;
  } finally {
    prepared.dispose();
  }
}

/**
 * Runs the candidate's own tests of a kata against their code, the reference and every wrong file,
 * and prints what they catch. Exit code 0 when the suite passes on the reference and on their code.
 */
async function testMine(
  kata: Kata,
  candidate: string | undefined,
  context: CommandContext,
  engine: Dialect = 'sqlite',
): Promise<number> {
  const dir = candidate === undefined ? context.root : resolve(candidate);
  const folder = `${candidate === undefined ? '' : `${candidate.replace(/\/+$/, '')}/`}katas/${kata.slug}/`;
  const concurrency = availableParallelism();
  const onPostgres = engine === 'postgres';
  const wrongFiles = onPostgres ? kata.postgresWrongFiles.length : kata.wrongFiles.length;
  context.err(
    context.palette.dim(
      `Running your tests against your code, the ${onPostgres ? 'PostgreSQL ' : ''}reference and ${wrongFiles} wrong implementations${onPostgres ? ' on PostgreSQL' : ''}, ${concurrency} at a time…`,
    ),
  );
  const report = await testCandidateSuite(context.root, dir, kata.slug, {
    concurrency,
    ...(onPostgres ? { engine } : {}),
  });
  if (report === undefined) {
    throw new UsageError(
      `kata test: ${folder} holds no test file; write one named like ${kata.slug}.test.ts that imports ./index.ts (vitest's test and expect)`,
    );
  }
  context.out(
    renderMine(kata, report, context.palette, {
      width: widthOf(context),
      invocation: context.invocation ?? kataCommand(),
      shownFile: `${folder}index.ts`,
      concurrency,
      engine,
    }),
  );
  return report.status === 'passed' && (report.own.status === 'passed' || report.own.status === 'not-run') ? 0 : 1;
}

export const testCommand: Command = {
  name: 'test',
  summary:
    "run a kata's spec against your katas/<slug>/index.ts (or a candidate's, as grading does); --mine runs your own tests against the wrong gallery",
  usage:
    'kata test <slug> [--only check-id,...] [--seed N] [--thorough] [--candidate DIR]\n                        [--db sqlite|postgres]\n       kata test <slug> --mine [--candidate DIR] [--db sqlite|postgres]',
  async run(args, context) {
    const { values, positionals } = parseCommandArgs(
      'test',
      args,
      { ...testOptions, candidate: { type: 'string' }, mine: { type: 'boolean' }, db: { type: 'string' } },
      true,
      context.invocation,
    );
    if (positionals.length !== 1)
      throw new UsageError(
        `kata test: expected one kata slug, received ${positionals.length} (see \`${commandLine(context, 'test --help')}\`)`,
      );
    const kata = findKata(positionals[0]!, context.root);
    const engine = parseEngine('test', values.db);
    if (engine !== undefined) checkEngineSupported('test', kata, engine);
    if (values.mine) {
      const other = (['only', 'seed', 'thorough'] as const).find((name) => values[name] !== undefined);
      if (other !== undefined) {
        throw new UsageError(`kata test: --mine runs your own tests, which take no --${other}`);
      }
      if (values.candidate !== undefined && !existsSync(resolve(values.candidate, 'katas', kata.slug))) {
        throw new UsageError(`kata test: ${values.candidate} has no katas/${kata.slug}/ folder`);
      }
      return testMine(kata, values.candidate, context, engine);
    }
    const selection = await parseSelection('test', kata, values);
    const run = await testKata(
      kata,
      {
        ...selection,
        ...(values.candidate === undefined ? {} : { candidate: values.candidate }),
        ...(engine === undefined ? {} : { engine }),
      },
      context,
    );
    return run.status === 'passed' ? 0 : 1;
  },
};
