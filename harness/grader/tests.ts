/**
 * The evidence for "Testing considerations": a candidate's own tests (katas/<slug>/*.test.ts, which
 * import ./index.ts) run against their own code, the kata's reference and every file of its wrong
 * gallery, the way mutation testing grades a suite. A wrong file is caught when a test that passes
 * on the reference fails on it; the suite earns the share of the gallery it catches, and nothing
 * when any of its tests fails on the reference (it tests something the contract does not say).
 *
 * Every run is a fresh tree of its own (the grader's harness and kata files from the snapshot, a
 * copy of the test files, and the target as katas/<slug>/index.ts), in the runner's sandboxed child
 * like a spec run, removed afterwards; its folder's name is random and nothing in it says which
 * target it holds. What leaves a run against the reference or a wrong file is structured: which
 * tests passed, failed or never reported. No message, output, path or file of such a run is ever
 * shown, and a test is named only by what its source spells out and as the run on the candidate's
 * own code (or the stub) collected it; that run goes first and alone, so nothing a run against the
 * gallery leaves behind reaches the one run whose messages are shown. Neither the reference nor a
 * wrong file reaches the candidate through this feature: reports name a wrong file by the rule it breaks.
 *
 * The engine: a kata graded on PostgreSQL (`--db postgres`, its manifest listing it) has its
 * candidate's tests run there too (KATA_DB in every run, as for a spec run), against PostgreSQL's
 * gallery: the reference written in its idiom (postgres/index.ts) and postgres-wrong/. Not wrong/:
 * every file of it builds on the SQLite reference, in SQLite's SQL (`?` placeholders, json_each,
 * INSERT OR IGNORE), which passes 0 to 2 of the spec's checks on PostgreSQL; a wrong/ file there
 * fails at its first statement whatever its bug, so a suite whose one test calls init() would catch
 * them all, and a bug only SQLite has (NUMERIC affinity) is none there. Its rules are scored on
 * SQLite, by `kata grade` without --db. Any other kata keeps SQLite and its own gallery.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import PQueue from 'p-queue';
import type { Kata } from '../catalog/catalog.ts';
import { supportedDatabases } from '../catalog/manifest.ts';
import type { Dialect } from '../kit/db/types.ts';
import {
  DEFAULT_TEST_RUN_DEADLINE_MS,
  runCandidateTests,
  type CandidateTestOutcome,
  type CandidateTestRun,
} from '../runner/mine.ts';
import { isolationForEngine, type IsolationChoice, type SandboxPaths } from '../runner/sandbox/isolation.ts';
import {
  BUNDLE_ENTRY,
  BUNDLE_NAME,
  GalleryError,
  prepareGallery,
  type Gallery,
  type GalleryTarget,
} from './gallery.ts';
import {
  CANDIDATE_TEST_FILE,
  KATA_STUB,
  readSubmissionFile,
  scanTestFiles,
  SubmissionError,
  type SubmissionFile,
} from './imports.ts';
import type { TestsGalleryEntry, TestsReport } from './report.ts';
import { filesOutside, runSandbox } from './sandbox-paths.ts';
import type { Snapshot } from './snapshot.ts';
import { buildWorkspace, graderModules } from './workspace.ts';

/** Most test files read from one kata folder. */
const TEST_FILE_LIMIT = 20;
/** A run that could start with less time than this left in the suite's budget is not started. */
const MIN_RUN_MS = 10_000;

export interface CandidateTests {
  /** The test files, by name in the kata folder ("clamp.test.ts"), sorted. */
  readonly testFiles: readonly string[];
  /** The test files and the helpers of the kata folder they import (never index.ts). */
  readonly files: readonly SubmissionFile[];
  /** Imports a test may not have, or files that cannot be read: the suite is disqualified. */
  readonly violations: readonly string[];
  readonly notes: readonly string[];
}

export interface TestsInput {
  readonly slug: string;
  /** The candidate's kata folder. */
  readonly sourceDir: string;
  /** The folder every file must really live in (the candidate's checkout). */
  readonly within: string;
  /** Paths the grader's own kata folder ships: never the candidate's tests. */
  readonly kataFiles: ReadonlySet<string>;
  readonly allowedPackages: readonly string[];
}

/** The candidate's test files of one kata and what they import; undefined when there are none. */
export async function readCandidateTests(input: TestsInput): Promise<CandidateTests | undefined> {
  let names: string[];
  try {
    names = readdirSync(input.sourceDir)
      .filter((name) => CANDIDATE_TEST_FILE.test(name) && !input.kataFiles.has(name))
      .sort();
  } catch {
    return undefined;
  }
  if (names.length === 0) return undefined;
  const shown = `katas/${input.slug}/`;
  if (names.length > TEST_FILE_LIMIT) {
    return {
      testFiles: names,
      files: [],
      violations: [`${shown} holds ${names.length} test files, over the limit of ${TEST_FILE_LIMIT}`],
      notes: [],
    };
  }
  try {
    for (const name of names) readSubmissionFile(join(input.sourceDir, name), `${shown}${name}`, input.within);
    const scan = await scanTestFiles({ ...input, within: input.within }, names);
    return { testFiles: names, files: scan.files, violations: scan.violations, notes: scan.notes };
  } catch (error) {
    const reason =
      error instanceof SubmissionError ? error.message : `could not read the tests: ${(error as Error).message}`;
    return { testFiles: names, files: [], violations: [reason], notes: [] };
  }
}

/**
 * The engine a kata's own tests run on when its spec runs on `engine`: PostgreSQL where the kata's
 * manifest lists it, SQLite otherwise (a kata that supports SQLite only keeps SQLite's gallery).
 */
export function testsEngine(kata: Pick<Kata, 'manifest'>, engine: Dialect | undefined): Dialect {
  return engine === 'postgres' && supportedDatabases(kata.manifest).includes('postgres') ? 'postgres' : 'sqlite';
}

/**
 * What the notes of a kata whose tests ran on PostgreSQL say (the scorecard's kata notes, and
 * `kata test --mine --db postgres`).
 */
export const OWN_TESTS_ON_POSTGRES =
  "the candidate's own tests ran on PostgreSQL, against the PostgreSQL reference (postgres/index.ts) and postgres-wrong/, the wrong files whose bug only PostgreSQL shows; wrong/ is written in SQLite's SQL and fails on PostgreSQL whatever its bug, so its rules are scored on SQLite (kata grade without --db)";

/**
 * The gallery a kata's own tests run against on `engine` (see testsEngine): on SQLite the reference
 * and wrong/; on PostgreSQL the PostgreSQL reference (postgres/index.ts) and postgres-wrong/, each
 * named by the rule its header says it breaks, as wrong/ files are.
 */
export async function prepareTestGallery(graderRoot: string, kata: Kata, engine: Dialect): Promise<Gallery> {
  if (engine === 'sqlite') return prepareGallery(graderRoot, kata);
  const reference = join(kata.solutionDir, 'postgres', 'index.ts');
  if (!kata.postgresFiles.includes(reference)) {
    throw new GalleryError(`${kata.slug} lists postgres but has no solutions/${kata.slug}/postgres/index.ts`);
  }
  const gallery = await prepareGallery(graderRoot, {
    ...kata,
    referenceFile: reference,
    wrongFiles: kata.postgresWrongFiles,
  });
  // prepareGallery names the files as wrong/ and index.ts: these are postgres-wrong/ and postgres/.
  return {
    ...gallery,
    reference: { ...gallery.reference, file: 'postgres/index.ts' },
    wrong: gallery.wrong.map((target) => ({ ...target, file: `postgres-wrong/${basename(target.file)}` })),
  };
}

/** Limits for each run of the candidate's tests. */
export interface TestLimits {
  /** Each test's time limit. Default: 10 s. */
  readonly testTimeoutMs?: number;
  /** Each run's wall-clock limit. Default: 120 s. */
  readonly runDeadlineMs?: number;
  readonly memoryLimitMb?: number;
  readonly heapLimitMb?: number;
  readonly loadTimeoutMs?: number;
  readonly graceMs?: number;
}

export type SuiteTargetKind = 'own' | 'reference' | 'wrong';

/** What happened on one target: the run, or why there was none (its result then counts for nothing). */
export interface SuiteResult {
  readonly kind: SuiteTargetKind;
  /** The gallery entry, for the reference and wrong files. */
  readonly target?: GalleryTarget;
  readonly run?: CandidateTestRun;
  /** Why nothing of this target counts: not run, or the run broke a rule (loaded a file from outside). */
  readonly refusal?: string;
}

export interface EvidenceInput {
  readonly snapshot: Snapshot;
  readonly slug: string;
  readonly tests: CandidateTests;
  readonly gallery: Gallery;
  /**
   * The engine every run's test databases use (KATA_DB, as for a spec run), the gallery's
   * (prepareTestGallery): their own code, the reference and each wrong file meet it alike.
   * Default: SQLite, the kit's default.
   */
  readonly engine?: Dialect;
  /** The candidate's own code as grading runs it, or why it does not run. */
  readonly own: { readonly files: readonly SubmissionFile[] } | { readonly refusal: string };
  /** The folder each run's folder is made in. */
  readonly session: string;
  readonly sandbox: SandboxPaths;
  readonly isolation: IsolationChoice;
  readonly limits?: TestLimits;
  /** Where the runs wait for a core: the grader's queue, or one of the suite's own. */
  readonly queue?: PQueue;
  /** Runs at the same time: the budget of the suite is each run's limit times the rounds this takes. Default: 1. */
  readonly concurrency?: number;
  readonly keepWorkDirs?: boolean;
  /** Called as each run ends, for progress. */
  readonly onRun?: (result: SuiteResult) => void;
}

/**
 * Runs the candidate's tests on their code, the reference and every wrong file, in parallel up to
 * the queue's concurrency, and judges what they proved. The suite's time budget scales with the
 * number of targets: each run's limit, times the rounds of `concurrency` runs they take, plus one.
 */
export async function collectTestEvidence(input: EvidenceInput): Promise<TestsReport> {
  const started = performance.now();
  if (input.tests.violations.length > 0) {
    return withEngineNote(input, disqualified(input.tests, input.gallery, input.tests.violations.join('; '), started));
  }
  const queue = input.queue ?? new PQueue({ concurrency: Math.max(1, input.concurrency ?? 1) });
  const targets: { kind: SuiteTargetKind; target?: GalleryTarget }[] = [
    { kind: 'reference', target: input.gallery.reference },
    ...input.gallery.wrong.map((target) => ({ kind: 'wrong' as const, target })),
    { kind: 'own' },
  ];
  const perRun = input.limits?.runDeadlineMs ?? DEFAULT_TEST_RUN_DEADLINE_MS;
  const rounds = Math.ceil(targets.length / Math.max(1, input.concurrency ?? 1));
  const budgetMs = perRun * (rounds + 1);
  let firstStart: number | undefined;

  const runTarget = (entry: { kind: SuiteTargetKind; target?: GalleryTarget }): Promise<SuiteResult> =>
    queue.add(
      async (): Promise<SuiteResult> => {
        const now = performance.now();
        firstStart ??= now;
        const left = firstStart + budgetMs - now;
        const base = { kind: entry.kind, ...(entry.target === undefined ? {} : { target: entry.target }) };
        let result: SuiteResult;
        if (entry.kind === 'own' && 'refusal' in input.own) {
          result = { ...base, refusal: input.own.refusal };
        } else if (left < Math.min(perRun, MIN_RUN_MS)) {
          result = {
            ...base,
            refusal: `not run: the suite's time limit (${seconds(budgetMs)} for ${targets.length} runs) was spent`,
          };
        } else {
          result = await runOn(input, entry.kind, entry.target, Math.min(perRun, left));
        }
        input.onRun?.(result);
        return result;
      },
      // A suite's runs stay together in a queue shared with other work.
      { priority: 1 },
    );

  // Their own code first, alone: while it runs nothing of the gallery exists on the machine, so
  // the one run whose messages are shown cannot pick up what a run against the reference or a
  // wrong file left behind (a file in a place both can write), and the names it collects are
  // fixed before any target they must not reveal has run.
  const own = await runTarget(targets[targets.length - 1]!);
  // Without a run of their code, the suite runs once on the kata's index.ts as the grader ships
  // it (the stub, which the candidate has): only for the names of its tests, nothing else is used.
  const naming = own.run === undefined ? await runNaming(input, queue, perRun) : undefined;
  // Then the reference: a suite that fails on a correct implementation earns nothing, so its
  // gallery is not run.
  const reference = await runTarget(targets[0]!);
  const passes = reference.refusal === undefined && reference.run?.status === 'passed';
  const wrong = await Promise.all(
    targets.slice(1, -1).map((entry) =>
      passes
        ? runTarget(entry)
        : Promise.resolve<SuiteResult>({
            kind: 'wrong',
            target: entry.target!,
            refusal: 'not run: the suite does not pass on the reference, so no catch would count',
          }),
    ),
  );
  const report = judgeSuite({
    tests: input.tests,
    gallery: input.gallery,
    reference,
    wrong,
    own,
    ...(naming === undefined ? {} : { naming }),
    durationMs: performance.now() - started,
  });
  return withEngineNote(input, report);
}

/** A report of tests run on PostgreSQL says so, and why wrong/ is not in its gallery. */
function withEngineNote(input: Pick<EvidenceInput, 'engine'>, report: TestsReport): TestsReport {
  return input.engine === 'postgres' ? { ...report, notes: [...report.notes, OWN_TESTS_ON_POSTGRES] } : report;
}

/** The suite on the grader's own index.ts of the kata (the stub): a run only its tests' names are read from. */
function runNaming(input: EvidenceInput, queue: PQueue, perRun: number): Promise<SuiteResult> {
  return queue.add(
    (): Promise<SuiteResult> => runOn({ ...input, own: { files: [] } }, 'own', undefined, Math.min(perRun, 60_000)),
    { priority: 1 },
  );
}

async function runOn(
  input: EvidenceInput,
  kind: SuiteTargetKind,
  target: GalleryTarget | undefined,
  deadlineMs: number,
): Promise<SuiteResult> {
  const base = { kind, ...(target === undefined ? {} : { target }) };
  // A random name: nothing in a run's paths says which target it holds.
  const runDir = mkdtempSync(join(input.session, 't-'));
  try {
    const tree = join(runDir, 'tree');
    const ownFiles = 'files' in input.own && kind === 'own' ? input.own.files : [];
    const workspace = buildWorkspace(input.snapshot, input.slug, [...ownFiles, ...input.tests.files], tree);
    if (target === undefined && ownFiles.length === 0) {
      // The naming run: the kata's stub, whose text the candidate has, as the target.
      writeFileSync(workspace.targetFile, `export * from './${KATA_STUB}';\n`);
    } else if (target !== undefined) {
      writeFileSync(workspace.targetFile, BUNDLE_ENTRY);
      writeFileSync(join(tree, 'katas', input.slug, BUNDLE_NAME), target.code);
    }
    const kataDir = join(tree, 'katas', input.slug);
    const guarded = ['index.ts', ...(target === undefined ? [] : [BUNDLE_NAME]), ...input.tests.testFiles];
    const before = digests(kataDir, guarded);
    const limits = input.limits ?? {};
    const run = await runCandidateTests({
      root: tree,
      slug: input.slug,
      targetFile: workspace.targetFile,
      testFiles: input.tests.testFiles.map((name) => join(kataDir, name)),
      workDir: join(runDir, 'work'),
      deadlineMs,
      // The server the kit starts needs loopback, which namespaces do not have.
      isolation: isolationForEngine(input.engine ?? 'sqlite', input.isolation).choice,
      sandbox: runSandbox(input.sandbox, runDir),
      ...(input.engine === 'postgres' ? { engine: 'postgres' as const } : {}),
      ...(limits.testTimeoutMs === undefined ? {} : { testTimeoutMs: limits.testTimeoutMs }),
      ...(limits.memoryLimitMb === undefined ? {} : { memoryLimitMb: limits.memoryLimitMb }),
      ...(limits.heapLimitMb === undefined ? {} : { heapLimitMb: limits.heapLimitMb }),
      ...(limits.loadTimeoutMs === undefined ? {} : { loadTimeoutMs: limits.loadTimeoutMs }),
      ...(limits.graceMs === undefined ? {} : { graceMs: limits.graceMs }),
    });
    const outside = filesOutside(run.loadedFiles, tree, graderModules(input.snapshot.root));
    if (outside.length > 0) {
      // A path is text the tests chose, from what they read of the target: it is named only for
      // a run on their own code.
      const what =
        kind === 'own'
          ? outside.slice(0, 2).join(', ')
          : `${outside.length === 1 ? 'a file' : `${outside.length} files`} (not named: the run held the reference or a wrong file)`;
      return {
        ...base,
        run,
        refusal: `the tests tried to load ${what} at run time, outside their own files and the grader's packages`,
      };
    }
    const after = digests(kataDir, guarded);
    const changed = guarded.filter((name) => before.get(name) !== after.get(name));
    if (changed.length > 0) {
      return {
        ...base,
        run,
        refusal: `${changed.join(', ')} changed while the tests ran, so nothing of the run counts`,
      };
    }
    return { ...base, run };
  } catch (error) {
    return { ...base, refusal: `the grader could not run the tests: ${(error as Error).message}` };
  } finally {
    if (!input.keepWorkDirs) rmSync(runDir, { recursive: true, force: true });
  }
}

function digests(dir: string, names: readonly string[]): Map<string, string> {
  const result = new Map<string, string>();
  for (const name of names) {
    try {
      result.set(
        name,
        createHash('sha256')
          .update(readFileSync(join(dir, name)))
          .digest('hex'),
      );
    } catch {
      result.set(name, 'missing');
    }
  }
  return result;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function disqualified(tests: CandidateTests, gallery: Gallery, reason: string, started: number): TestsReport {
  const entries = gallery.wrong.map((target): TestsGalleryEntry => ({
    rule: target.rule,
    text: target.ruleText,
    caught: false,
    by: [],
    reason: 'not run: the tests are disqualified',
  }));
  return {
    files: tests.testFiles,
    status: 'disqualified',
    reason,
    tests: 0,
    passedOnReference: 0,
    skipped: 0,
    failingOnReference: [],
    own: { status: 'not-run', reason: 'not run: the tests are disqualified', passed: 0, failures: [] },
    wrongFiles: gallery.wrong.length,
    caught: 0,
    share: gallery.wrong.length === 0 ? null : 0,
    gallery: entries,
    missedRules: [],
    notes: [...tests.notes],
    runs: 0,
    durationMs: Math.round(performance.now() - started),
  };
}

/** The report of tests that could not be run for a reason of the grader's (no gallery to run them on). */
export function unjudgedTests(tests: CandidateTests, reason: string): TestsReport {
  return {
    files: tests.testFiles,
    status: 'error',
    reason,
    tests: 0,
    passedOnReference: 0,
    skipped: 0,
    failingOnReference: [],
    own: { status: 'not-run', reason: 'not run', passed: 0, failures: [] },
    wrongFiles: 0,
    caught: 0,
    share: null,
    gallery: [],
    missedRules: [],
    notes: [reason],
    runs: 0,
    durationMs: 0,
  };
}

export interface SuiteResults {
  readonly tests: CandidateTests;
  readonly gallery: Gallery;
  readonly reference: SuiteResult;
  readonly wrong: readonly SuiteResult[];
  readonly own: SuiteResult;
  /** When their code did not run: the suite on the kata's stub, for the names of its tests only. */
  readonly naming?: SuiteResult;
  readonly durationMs: number;
}

/**
 * A test named as its source spells it: a name computed as the test runs is not shown. With
 * `known`, the names collected by a run on code the candidate has (their own, or the stub), a
 * name is shown only if that run collected it too: a run against the reference or a wrong file
 * can then choose among names the candidate already saw, but never spell out what it read
 * (one character per describe block, each of them somewhere in the source). `null`: no such
 * run, so no name below the file is shown.
 */
export function shownTestName(name: string, sources: string, known?: ReadonlySet<string> | null): string {
  const [file, ...segments] = name.replace(/ \(\d+\)$/, '').split(' > ');
  const spelled = segments.every((segment) => segment !== '' && sources.includes(segment));
  const collected = segments.length === 0 || known === undefined || (known !== null && known.has(name));
  if (spelled && collected) return name;
  return `${file} > (a test whose name is computed as it runs)`;
}

/** The names a run collected: its tests, and the describe blocks that failed to load. */
function collectedNames(result: SuiteResult | undefined): Set<string> | null {
  const run = result?.run;
  if (run === undefined || run.integrity === 'tampered') return null;
  return new Set([...run.tests.map((test) => test.name), ...run.fileErrors.map((entry) => entry.file)]);
}

/**
 * Why a run against the reference or a wrong file did what it did, in the grader's own words only:
 * never a message the run produced, which the tests under judgement could fill with the target.
 */
function safeReason(run: CandidateTestRun, show: (name: string) => string): string {
  if (run.integrity === 'tampered') return 'no result counts: the test framework was tampered with';
  // The runner's own reason for stopping the run, never a problem the run reported: an error the
  // tests threw can say anything, "the run used" and the target's text included.
  const stopped = run.stopReason;
  const files = [...new Set(run.fileErrors.map((entry) => show(entry.file)))].join(', ');
  if (run.tests.length === 0) {
    if (run.fileErrors.length > 0) return `no test was collected: ${files} failed to load`;
    return stopped ?? 'no test was collected';
  }
  const failed = run.tests.filter((test) => test.state === 'failed');
  if (failed.length > 0) return `${failed.length} test${failed.length === 1 ? '' : 's'} failed`;
  if (run.fileErrors.length > 0) return `${files} failed to load`;
  const missing = run.tests.filter((test) => test.state === 'missing');
  if (missing.length > 0) {
    return `${missing.length} test${missing.length === 1 ? '' : 's'} never reported a trustworthy result (${stopped ?? 'the run ended early'})`;
  }
  if (run.tests.every((test) => test.state === 'skipped')) return 'every test is skipped';
  return stopped ?? 'the run could not be judged';
}

function missedRules(entries: readonly TestsGalleryEntry[]): TestsReport['missedRules'] {
  const seen = new Map<string, { id: string | null; text: string | null }>();
  for (const entry of entries) {
    if (entry.caught) continue;
    const key = entry.rule ?? `\u0000${seen.size}`;
    if (!seen.has(key)) seen.set(key, { id: entry.rule, text: entry.text });
  }
  return [...seen.values()];
}

/** What the runs prove: does the suite pass on the reference, and which wrong files it catches. */
export function judgeSuite(results: SuiteResults): TestsReport {
  const { tests, gallery } = results;
  const sources = tests.files
    .filter((file) => tests.testFiles.includes(file.path))
    .map((file) => file.content.toString('utf8'))
    .join('\n');
  // Names as a run on code the candidate has collected them: theirs, or else the stub's.
  const known = collectedNames(results.own) ?? collectedNames(results.naming);
  const show = (name: string): string => shownTestName(name, sources, known);
  const notes = [...tests.notes];

  const reference = results.reference;
  const refRun = reference.refusal === undefined ? reference.run : undefined;
  const passedOnReference = new Set(
    (refRun?.tests ?? []).filter((test) => test.state === 'passed').map((test) => test.name),
  );
  let status: TestsReport['status'];
  let reason: string | null = null;
  let failingOnReference: string[] = [];
  if (refRun === undefined) {
    status = 'error';
    reason = `on the reference: ${reference.refusal ?? 'not run'}`;
  } else if (refRun.status === 'passed' && passedOnReference.size > 0) {
    status = 'passed';
  } else {
    failingOnReference = [
      ...refRun.tests.filter((test) => test.state === 'failed').map((test) => show(test.name)),
      ...refRun.fileErrors.map((entry) => `${show(entry.file)} (failed to load)`),
    ];
    status = refRun.status === 'failing' ? 'failed' : 'error';
    reason =
      status === 'failed'
        ? `fails on the reference, a correct implementation: ${failingOnReference.slice(0, 3).join('; ')}${failingOnReference.length > 3 ? `; and ${failingOnReference.length - 3} more` : ''}`
        : `cannot be judged on the reference: ${safeReason(refRun, show)}`;
  }

  const entries = results.wrong.map((result): TestsGalleryEntry => {
    const target = result.target!;
    const base = { rule: target.rule, text: target.ruleText };
    if (result.refusal !== undefined || result.run === undefined) {
      return { ...base, caught: false, by: [], reason: result.refusal ?? 'not run' };
    }
    const run = result.run;
    if (run.integrity === 'tampered') {
      return { ...base, caught: false, by: [], reason: 'no result counts: the test framework was tampered with' };
    }
    const failing = run.tests.filter((test) => test.state === 'failed');
    const by = failing.filter((test) => passedOnReference.has(test.name)).map((test) => show(test.name));
    if (by.length > 0) return { ...base, caught: true, by, reason: null };
    let why: string;
    if (failing.length > 0) why = 'the only tests that failed on it do not pass on the reference';
    else if (run.status === 'passed') why = 'every test passed on it';
    else why = safeReason(run, show);
    return { ...base, caught: false, by: [], reason: why };
  });

  const own = ownReport(results.own);
  const caught = entries.filter((entry) => entry.caught).length;
  const wrongFiles = entries.length;
  if (wrongFiles === 0) notes.push('the kata has no wrong gallery: the tests cannot be scored on it');
  for (const result of [reference, ...results.wrong]) {
    if (result.refusal?.startsWith('the tests tried to load') === true) {
      notes.push(result.refusal);
      break;
    }
  }
  return {
    files: tests.testFiles,
    status,
    reason,
    tests: refRun?.tests.length ?? 0,
    passedOnReference: passedOnReference.size,
    skipped: refRun?.tests.filter((test) => test.state === 'skipped').length ?? 0,
    failingOnReference,
    own,
    wrongFiles,
    caught,
    share: wrongFiles === 0 ? null : status === 'passed' ? caught / wrongFiles : 0,
    gallery: entries,
    // Only a suite that passes on the reference had its gallery run: what it misses is then known.
    missedRules: status === 'passed' ? missedRules(entries) : [],
    notes: [...new Set(notes)],
    runs: [reference, ...results.wrong, results.own, results.naming].filter((result) => result?.run !== undefined)
      .length,
    durationMs: Math.round(results.durationMs),
  };
}

/** The suite on the candidate's own code: their code and their tests, so every message is theirs to see. */
function ownReport(result: SuiteResult): TestsReport['own'] {
  if (result.run === undefined) {
    return { status: 'not-run', reason: result.refusal ?? 'not run', passed: 0, failures: [] };
  }
  const run = result.run;
  const failures = run.tests
    .filter((test: CandidateTestOutcome) => test.state === 'failed')
    .slice(0, 20)
    .map((test) => ({ name: test.name, reason: test.reason }));
  for (const entry of run.fileErrors.slice(0, 5)) {
    failures.push({ name: `${entry.file} (failed to load)`, reason: entry.reason });
  }
  return {
    status: result.refusal !== undefined ? 'error' : run.status,
    reason: result.refusal ?? run.reason ?? null,
    passed: run.tests.filter((test) => test.state === 'passed').length,
    failures,
  };
}
