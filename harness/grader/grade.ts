/**
 * Grading: every kata of every target (a candidate's checkout, the local katas/, or the reference
 * solutions), each in its own fresh tree and its own supervised run, concurrently up to the number
 * of cores. One candidate's code never touches another's tree, process or result.
 *
 * Before any candidate code runs, the grader reads its own files into memory (the snapshot) and
 * learns every spec's checks in its own process, so what runs and what is expected never depend
 * on anything a candidate can change.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import PQueue from 'p-queue';
import { harnessRoot, listKatas, loadSpec, type Kata } from '../catalog/catalog.ts';
import type { Dialect } from '../kit/db/types.ts';
import { GRADING_RUNS_FACTOR } from '../kit/seed.ts';
import { collectChecks, type ResolvedCheck } from '../kit/spec.ts';
import type { KataRun } from '../runner/outcomes.ts';
import { stubShapes, type ExportShape } from '../runner/exports.ts';
import { runKata, type RunOptions } from '../runner/run.ts';
import type { Assessment } from './assessment.ts';
import { readSubmissionFile, scanSubmission, SubmissionError, type SubmissionFile } from './imports.ts';
import { assembleBatch, type SubmissionPrint } from './batch.ts';
import type { BatchReport, GradeReport, GraderInfo, SimilarityReport, TestsReport } from './report.ts';
import type { Gallery } from './gallery.ts';
import {
  collectTestEvidence,
  OWN_TESTS_ON_POSTGRES,
  prepareTestGallery,
  readCandidateTests,
  testsEngine,
  unjudgedTests,
  type CandidateTests,
  type SuiteResult,
  type TestLimits,
} from './tests.ts';
import { childBundle } from '../runner/sandbox/child-bundle.ts';
import { namespacesWork, type IsolationChoice, type SandboxPaths } from '../runner/sandbox/isolation.ts';
import { buildReport, type KataGrading, type KataVerdict } from './score.ts';
import { compare, fingerprint, type Fingerprint } from './similarity.ts';
import { insideRoot, restoreChangedFiles, takeSnapshot, type Snapshot } from './snapshot.ts';
import { readDurations, writeDurations } from './durations.ts';
import { buildWorkspace, graderModules, sameText } from './workspace.ts';
import { filesOutside, runSandbox, sandboxPaths } from './sandbox-paths.ts';

export { sandboxPaths } from './sandbox-paths.ts';

export type TargetKind = 'local' | 'candidate' | 'solutions';

export interface GradeTarget {
  readonly name: string;
  readonly kind: TargetKind;
  /** The checkout holding katas/<slug>/index.ts (for `solutions`, the grader's root). */
  readonly dir: string;
}

/** Limits for each kata run; see RunOptions. */
export type RunLimits = Pick<
  RunOptions,
  'memoryLimitMb' | 'heapLimitMb' | 'timeoutCapMs' | 'graceMs' | 'loadTimeoutMs' | 'maxRestarts' | 'deadlineMs'
>;

export interface GradeOptions {
  /** The grader's own tree: harness, katas' specs, node_modules. Default: this repository. */
  readonly graderRoot?: string;
  /** Grade only these katas. Default: every kata. */
  readonly katas?: readonly string[];
  /** Kata runs at the same time. Default: the number of cores. */
  readonly concurrency?: number;
  /** Default: `auto` (Linux namespaces where they work, a process group elsewhere). */
  readonly isolation?: IsolationChoice;
  readonly limits?: RunLimits;
  /** Scores for the interviewer's items; applies to every target graded. */
  readonly assessment?: Assessment;
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Keep each run's tree for inspection. Default: false. */
  readonly keepWorkDirs?: boolean;
  /**
   * The database engine the specs' databases use (RunOptions.engine), recorded on every kata of the
   * reports. The caller picks katas whose manifest lists it. Default: sqlite.
   */
  readonly engine?: Dialect;
}

export type ProgressEvent =
  | { readonly type: 'start'; readonly target: string; readonly slug: string }
  | {
      readonly type: 'end';
      readonly target: string;
      readonly slug: string;
      readonly status: string;
      readonly score: number;
      readonly max: number;
      readonly durationMs: number;
    }
  | {
      /** The candidate's own tests of a kata, run against its gallery. */
      readonly type: 'tests';
      readonly target: string;
      readonly slug: string;
      readonly status: TestsReport['status'];
      readonly caught: number;
      readonly wrongFiles: number;
      readonly durationMs: number;
    };

export interface GradeResult {
  readonly reports: readonly GradeReport[];
  readonly batch: BatchReport;
  /** Every submission that could be compared, for a shard report (see ShardInfo). */
  readonly prints: readonly SubmissionPrint[];
}

interface PreparedKata {
  readonly kata: Kata;
  readonly checks: readonly ResolvedCheck[];
  /** The stub's exports: what every submission must export, in the same shapes. */
  readonly exports?: readonly ExportShape[] | null;
  readonly referenceFingerprints: readonly { readonly name: string; readonly fingerprint: Fingerprint }[];
}

interface Submission {
  readonly files: readonly SubmissionFile[];
  readonly fingerprint: Fingerprint | undefined;
}

export async function grade(targets: readonly GradeTarget[], options: GradeOptions = {}): Promise<GradeResult> {
  const graderRoot = resolve(options.graderRoot ?? harnessRoot);
  const all = listKatas(graderRoot);
  const katas = options.katas === undefined ? all : all.filter((kata) => options.katas!.includes(kata.slug));
  const snapshot = takeSnapshot(graderRoot, katas);
  // Similarity to the reference means nothing when the references are what is graded.
  const compareWithReferences = targets.some((target) => target.kind !== 'solutions');
  const fingerprinting = compareWithReferences || targets.length > 1;
  // The runner's child bundle builds while the specs load.
  const bundling = childBundle();
  const prepared: PreparedKata[] = [];
  for (const kata of katas) {
    prepared.push({
      kata,
      checks: collectChecks(await loadSpec(kata)),
      exports: await stubShapes(kata.stubFile),
      referenceFingerprints: compareWithReferences ? await referenceFingerprints(graderRoot, kata) : [],
    });
  }
  // Longest first: with a few runs per core, starting a long one last would leave the other cores idle.
  const durations = readDurations(graderRoot);
  prepared.sort((a, b) => (durations[b.kata.slug] ?? Infinity) - (durations[a.kata.slug] ?? Infinity));
  const measured: Record<string, number> = {};

  await bundling;
  const session = mkdtempSync(join(realpathSync(tmpdir()), 'kata-grade-'));
  const sandbox = sandboxPaths(graderRoot, targets, session);
  const isolation = options.isolation ?? 'auto';
  const queue = new PQueue({ concurrency: Math.max(1, options.concurrency ?? availableParallelism()) });
  const modes = new Set<string>();
  const submissions = new Map<string, Submission>();
  let serial = 0;

  try {
    // Every submission is read, scanned and compared before any code runs.
    const reading = new PQueue({ concurrency: 8 });
    const preps = await Promise.all(
      targets.map((target) =>
        Promise.all(
          prepared.map((entry) =>
            reading.add(async () => {
              const started = performance.now();
              const prep = await prepareSubmission(graderRoot, snapshot, target, entry, fingerprinting, options.engine);
              if (prep.submission !== undefined) {
                submissions.set(`${target.name}\u0000${entry.kata.slug}`, prep.submission);
              }
              return { prep, started };
            }),
          ),
        ),
      ),
    );

    // Then the runs, queued kata by kata, longest kata first, every candidate's in turn.
    const gradingsByTarget: KataGrading[][] = targets.map(() => []);
    const runs: Promise<void>[] = [];
    // The galleries the candidates' own tests run against, bundled before any code runs: of the
    // engine their tests run on (testsEngine: PostgreSQL's under --db postgres where the kata lists it).
    const galleries = new Map<string, Gallery>();
    for (const [kataIndex, entry] of prepared.entries()) {
      if (!preps.some((row) => row[kataIndex]!.prep.tests !== undefined)) continue;
      try {
        galleries.set(
          entry.kata.slug,
          await prepareTestGallery(graderRoot, entry.kata, testsEngine(entry.kata, options.engine)),
        );
      } catch (error) {
        for (const row of preps) {
          const cell = row[kataIndex]!;
          if (cell.prep.tests !== undefined) {
            row[kataIndex] = { ...cell, prep: { ...cell.prep, galleryError: (error as Error).message } };
          }
        }
      }
    }
    const concurrency = Math.max(1, options.concurrency ?? availableParallelism());

    prepared.forEach((entry, kataIndex) => {
      targets.forEach((target, targetIndex) => {
        const { prep, started } = preps[targetIndex]![kataIndex]!;
        const tests = testEvidence(entry, prep, target, galleries.get(entry.kata.slug));
        if (prep.verdict !== undefined) {
          runs.push(
            tests.then((report) => {
              gradingsByTarget[targetIndex]![kataIndex] = finishGrading(
                entry,
                prep.verdict!,
                prep,
                started,
                options,
                target,
                report,
              );
            }),
          );
          return;
        }
        const run = queue.add(async (): Promise<[KataVerdict, number]> => {
          // Time spent waiting for a free slot is not the kata's.
          const runStarted = performance.now();
          options.onProgress?.({ type: 'start', target: target.name, slug: entry.kata.slug });
          const runDir = join(session, `${String(++serial).padStart(3, '0')}-${entry.kata.slug}`);
          try {
            const result = await runSubmission(snapshot, entry, prep.submission!.files, runDir, {
              ...options.limits,
              shownAs:
                target.kind === 'solutions'
                  ? `solutions/${entry.kata.slug}/index.ts`
                  : `katas/${entry.kata.slug}/index.ts`,
              isolation,
              sandbox: runSandbox(sandbox, runDir),
              ...(options.engine === undefined ? {} : { engine: options.engine }),
            });
            if (result.isolation !== undefined) modes.add(result.isolation);
            measured[entry.kata.slug] = Math.max(measured[entry.kata.slug] ?? 0, result.durationMs);
            const outside = filesOutside(result.loadedFiles, join(runDir, 'tree'), graderModules(graderRoot));
            if (outside.length > 0) {
              const reason = `tried to load ${outside.slice(0, 2).join(', ')} at run time, outside its own files and the grader's packages`;
              return [{ kind: 'disqualified', reason }, runStarted];
            }
            return [{ kind: 'ran', run: result }, runStarted];
          } catch (error) {
            // Whatever went wrong, this kata is reported and the others are graded.
            const reason = `the grader could not run this kata: ${(error as Error).message}`;
            return [{ kind: 'unreadable', reason }, runStarted];
          } finally {
            if (!options.keepWorkDirs) rmSync(runDir, { recursive: true, force: true });
          }
        });
        runs.push(
          Promise.all([run, tests]).then(([[verdict, runStarted], report]) => {
            gradingsByTarget[targetIndex]![kataIndex] = finishGrading(
              entry,
              verdict,
              prep,
              runStarted,
              options,
              target,
              report,
            );
          }),
        );
      });
    });

    /** The candidate's own tests of one kata against its gallery, queued beside the spec runs. */
    function testEvidence(
      entry: PreparedKata,
      prep: Prepared,
      target: GradeTarget,
      gallery: Gallery | undefined,
    ): Promise<TestsReport | undefined> {
      const tests = prep.tests;
      if (tests === undefined) return Promise.resolve(undefined);
      if (gallery === undefined) {
        return Promise.resolve(
          unjudgedTests(tests, `the grader could not prepare the kata's gallery: ${prep.galleryError ?? 'unknown'}`),
        );
      }
      const limits = options.limits ?? {};
      return collectTestEvidence({
        snapshot,
        slug: entry.kata.slug,
        tests,
        gallery,
        own:
          prep.verdict === undefined && prep.submission !== undefined
            ? { files: prep.submission.files }
            : { refusal: `not run: ${prep.verdict?.kind === 'ran' ? 'no code' : (prep.verdict?.reason ?? 'no code')}` },
        session,
        sandbox,
        isolation,
        engine: testsEngine(entry.kata, options.engine),
        limits: {
          ...(limits.timeoutCapMs === undefined ? {} : { testTimeoutMs: limits.timeoutCapMs }),
          ...(limits.deadlineMs === undefined ? {} : { runDeadlineMs: limits.deadlineMs }),
          ...(limits.memoryLimitMb === undefined ? {} : { memoryLimitMb: limits.memoryLimitMb }),
          ...(limits.heapLimitMb === undefined ? {} : { heapLimitMb: limits.heapLimitMb }),
          ...(limits.loadTimeoutMs === undefined ? {} : { loadTimeoutMs: limits.loadTimeoutMs }),
          ...(limits.graceMs === undefined ? {} : { graceMs: limits.graceMs }),
        },
        queue,
        concurrency,
        ...(options.keepWorkDirs === undefined ? {} : { keepWorkDirs: options.keepWorkDirs }),
        onRun: (result) => {
          if (result.run?.isolation !== undefined) modes.add(result.run.isolation);
        },
      }).then((report) => {
        options.onProgress?.({
          type: 'tests',
          target: target.name,
          slug: entry.kata.slug,
          status: report.status,
          caught: report.caught,
          wrongFiles: report.wrongFiles,
          durationMs: report.durationMs,
        });
        return report;
      });
    }
    await Promise.all(runs);

    writeDurations(graderRoot, { ...durations, ...measured });
    const warnings = restoreChangedFiles(snapshot).map(
      (path) =>
        `the grader's own file ${path} changed while candidate code ran; it was restored from the copy taken before grading, and no run used the changed file`,
    );
    const grader = graderInfo(snapshot, modes, isolation, sandbox);
    const generatedAt = new Date().toISOString();
    const catalogOrder = (grading: KataGrading): number => katas.indexOf(grading.kata);
    const database = options.engine ?? 'sqlite';
    const reports = targets.map((target, index) =>
      withDatabase(
        database,
        buildReport({
          candidate: { name: target.name, path: target.dir, kind: target.kind },
          gradings: [...gradingsByTarget[index]!].sort((a, b) => catalogOrder(a) - catalogOrder(b)),
          assessment: options.assessment,
          grader,
          warnings,
          generatedAt,
        }),
      ),
    );
    const prints: SubmissionPrint[] = [];
    for (const target of targets) {
      for (const kata of katas) {
        const print = submissions.get(`${target.name}\u0000${kata.slug}`)?.fingerprint;
        if (print !== undefined) prints.push({ candidate: target.name, kata: kata.slug, fingerprint: print });
      }
    }
    const batch = assembleBatch({
      reports,
      katas: katas.map((kata) => kata.slug),
      prints,
      grader,
      generatedAt,
      katasGiven: options.katas !== undefined,
    });
    return { reports, batch, prints };
  } finally {
    if (!options.keepWorkDirs) rmSync(session, { recursive: true, force: true });
  }
}

/**
 * Said on a kata graded with --db postgres whose candidate wrote tests, when the kata's manifest
 * does not list PostgreSQL (only a caller of grade() that did not pick its katas, see GradeOptions):
 * their tests keep SQLite and its gallery (grader/tests.ts, testsEngine). A kata that lists it says
 * OWN_TESTS_ON_POSTGRES instead.
 */
export const OWN_TESTS_ON_SQLITE =
  "the candidate's own tests ran on SQLite, against the SQLite reference and wrong/: the kata does not list PostgreSQL, so --db postgres runs only its spec there";

/** Every kata of a report says which engine its spec ran on: one grading uses one for all. */
function withDatabase(database: Dialect, report: GradeReport): GradeReport {
  return { ...report, katas: report.katas.map((kata) => ({ ...kata, database })) };
}

function finishGrading(
  entry: PreparedKata,
  verdict: KataVerdict,
  prep: Prepared,
  started: number,
  options: GradeOptions,
  target: GradeTarget,
  tests: TestsReport | undefined,
): KataGrading {
  const grading: KataGrading = {
    kata: entry.kata,
    checks: entry.checks,
    verdict,
    similarity: prep.similarity,
    notes:
      tests === undefined || options.engine !== 'postgres'
        ? prep.notes
        : [
            ...prep.notes,
            testsEngine(entry.kata, 'postgres') === 'postgres' ? OWN_TESTS_ON_POSTGRES : OWN_TESTS_ON_SQLITE,
          ],
    durationMs: performance.now() - started,
    tests,
  };
  if (options.onProgress !== undefined) {
    const passed =
      verdict.kind === 'ran'
        ? verdict.run.outcomes.filter((outcome) => outcome.status === 'passed').reduce((s, o) => s + o.check.weight, 0)
        : 0;
    options.onProgress({
      type: 'end',
      target: target.name,
      slug: entry.kata.slug,
      status: verdict.kind === 'ran' ? verdict.run.status : verdict.kind,
      score: passed,
      max: entry.checks.reduce((sum, check) => sum + check.weight, 0),
      durationMs: grading.durationMs,
    });
  }
  return grading;
}

interface Prepared {
  /** Set when the kata is decided without running anything. */
  readonly verdict?: KataVerdict;
  readonly submission?: Submission;
  readonly similarity: SimilarityReport | null;
  readonly notes: string[];
  /** The candidate's own test files of the kata, when they wrote some. */
  readonly tests?: CandidateTests;
  /** Why the kata's gallery could not be prepared, for a candidate with tests. */
  readonly galleryError?: string;
}

/** Reads and checks a submission and the candidate's own tests of the kata. */
async function prepareSubmission(
  graderRoot: string,
  snapshot: Snapshot,
  target: GradeTarget,
  entry: PreparedKata,
  fingerprintIt: boolean,
  engine: Dialect = 'sqlite',
): Promise<Prepared> {
  const prep = await prepareCode(graderRoot, snapshot, target, entry, fingerprintIt, engine);
  // The references' folders hold the project's gallery proofs, not a candidate's tests.
  if (target.kind === 'solutions') return prep;
  const slug = entry.kata.slug;
  const tests = await readCandidateTests({
    slug,
    sourceDir: join(target.dir, 'katas', slug),
    within: target.dir,
    kataFiles: kataFilesOf(snapshot, slug),
    allowedPackages: snapshot.dependencies,
  });
  return tests === undefined ? prep : { ...prep, tests };
}

/** The files the grader's own kata folder ships, relative to it. */
function kataFilesOf(snapshot: Snapshot, slug: string): Set<string> {
  const kataPrefix = `katas/${slug}/`;
  return new Set(
    [...snapshot.files.keys()]
      .filter((path) => path.startsWith(kataPrefix))
      .map((path) => path.slice(kataPrefix.length)),
  );
}

/** Reads and checks a submission: not attempted, unreadable, disqualified, or ready to run. */
async function prepareCode(
  graderRoot: string,
  snapshot: Snapshot,
  target: GradeTarget,
  entry: PreparedKata,
  fingerprintIt: boolean,
  engine: Dialect,
): Promise<Prepared> {
  const slug = entry.kata.slug;
  // On PostgreSQL the reference graded is the one written in its idiom (solutions/<slug>/postgres/).
  const solutionsFolder = engine === 'postgres' ? `solutions/${slug}/postgres` : `solutions/${slug}`;
  const sourceDir =
    target.kind === 'solutions' ? join(graderRoot, ...solutionsFolder.split('/')) : join(target.dir, 'katas', slug);
  const shown = target.kind === 'solutions' ? `${solutionsFolder}/index.ts` : `katas/${slug}/index.ts`;
  const entryFile = join(sourceDir, 'index.ts');
  const none = { similarity: null, notes: [] };
  try {
    lstatSync(entryFile);
  } catch {
    return { ...none, verdict: { kind: 'not-attempted', reason: `there is no ${shown}` } };
  }
  let entryContent: Buffer;
  try {
    entryContent = readSubmissionFile(entryFile, shown, target.kind === 'solutions' ? sourceDir : target.dir);
  } catch (error) {
    return { ...none, verdict: { kind: 'unreadable', reason: (error as Error).message } };
  }
  const stub = snapshot.files.get(`katas/${slug}/stub.ts`);
  if (target.kind !== 'solutions' && stub !== undefined && sameText(entryContent, stub)) {
    return { ...none, verdict: { kind: 'not-attempted', reason: `${shown} is identical to the stub` } };
  }

  const kataFiles = kataFilesOf(snapshot, slug);
  let scan;
  try {
    scan = await scanSubmission({
      slug,
      sourceDir,
      kataFiles,
      allowedPackages: snapshot.dependencies,
      within: target.kind === 'solutions' ? sourceDir : target.dir,
    });
  } catch (error) {
    const reason =
      error instanceof SubmissionError ? error.message : `could not read the submission: ${(error as Error).message}`;
    return { ...none, verdict: { kind: 'unreadable', reason } };
  }
  const source = scan.files.map((file) => file.content.toString('utf8')).join('\n');
  // Compared with the references, or with the other candidates of a batch; otherwise not needed.
  const print = fingerprintIt ? await fingerprint(source) : undefined;
  const submission: Submission = { files: scan.files, fingerprint: print };
  let similarity: SimilarityReport | null = null;
  if (target.kind !== 'solutions' && print !== undefined) {
    for (const reference of entry.referenceFingerprints) {
      const verdict = compare(print, reference.fingerprint, reference.name);
      if (verdict !== undefined && (similarity === null || verdict.exact > similarity.exact)) similarity = verdict;
    }
  }
  const notes = [...scan.notes];
  if (scan.violations.length > 0) {
    return {
      submission,
      similarity,
      notes,
      verdict: { kind: 'disqualified', reason: scan.violations.join('; ') },
    };
  }
  return { submission, similarity, notes };
}

async function runSubmission(
  snapshot: Snapshot,
  entry: PreparedKata,
  files: readonly SubmissionFile[],
  runDir: string,
  options: RunOptions,
): Promise<KataRun> {
  const workspace = buildWorkspace(snapshot, entry.kata.slug, files, join(runDir, 'tree'));
  const workDir = join(runDir, 'work');
  mkdirSync(workDir, { recursive: true });
  return runKata(entry.kata.slug, workspace.targetFile, {
    seedSalt: submissionSalt(files),
    runsFactor: GRADING_RUNS_FACTOR,
    ...options,
    root: workspace.root,
    checks: entry.checks,
    exports: entry.exports ?? null,
    workDir,
  });
}

/**
 * Seeds derive from what was submitted: the same files grade the same every time, and a file
 * cannot be fitted to the seeds it will meet, since changing it changes them.
 */
export function submissionSalt(files: readonly SubmissionFile[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    hash.update(`${file.path}\u0000${file.content.length}\u0000`);
    hash.update(file.content);
  }
  return hash.digest('hex').slice(0, 16);
}

async function referenceFingerprints(
  graderRoot: string,
  kata: Kata,
): Promise<{ name: string; fingerprint: Fingerprint }[]> {
  const files = [kata.referenceFile, ...kata.variantFiles];
  const result: { name: string; fingerprint: Fingerprint }[] = [];
  for (const file of files) {
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const print = await fingerprint(source);
    if (print !== undefined)
      result.push({ name: relative(graderRoot, file).split('\\').join('/'), fingerprint: print });
  }
  return result;
}

function graderInfo(
  snapshot: Snapshot,
  modes: ReadonlySet<string>,
  isolation: IsolationChoice,
  sandbox: SandboxPaths,
): GraderInfo {
  const manifest = JSON.parse(snapshot.files.get('package.json')?.toString('utf8') ?? '{}') as { version?: string };
  const used =
    modes.size > 0
      ? [...modes].join(', ')
      : isolation === 'process-group' || (isolation === 'auto' && !namespacesWork(sandbox))
        ? 'process-group'
        : 'namespaces';
  return {
    version: manifest.version ?? '0.0.0',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    isolation: used,
  };
}

/** One kata of one candidate, set up as grading runs it, for `kata test --candidate DIR`. */
export interface CandidateKata {
  /** Set when grading would not run it: the file is missing, the stub, unreadable or disqualified. */
  readonly refusal?: string;
  /** The run's options, as grading gives them (tree, checks, exports, seeds, sandbox). */
  readonly options: RunOptions;
  readonly targetFile: string;
  /** Removes the run's folder. */
  readonly dispose: () => void;
}

/**
 * Prepares `DIR/katas/<slug>/index.ts` exactly as `kata grade` would run it: a fresh tree holding
 * the grader's harness and kata files and the submission's own files, the checks and exports read
 * from the grader's spec and stub, the seeds salted with the submission's hash, and the same
 * isolation. Nothing of the grader's own tree is written or restored.
 */
export async function prepareCandidateKata(
  graderRoot: string,
  candidateDir: string,
  slug: string,
  isolation: IsolationChoice = 'auto',
): Promise<CandidateKata> {
  const root = resolve(graderRoot);
  const kata = listKatas(root).find((entry) => entry.slug === slug);
  if (kata === undefined) throw new Error(`unknown kata "${slug}"`);
  const snapshot = takeSnapshot(root, [kata]);
  const entry: PreparedKata = { kata, checks: collectChecks(await loadSpec(kata)), referenceFingerprints: [] };
  const exports = await stubShapes(kata.stubFile);
  const target: GradeTarget = { name: 'candidate', kind: 'candidate', dir: resolve(candidateDir) };
  const session = mkdtempSync(join(realpathSync(tmpdir()), 'kata-replay-'));
  const dispose = (): void => rmSync(session, { recursive: true, force: true });
  const runDir = join(session, `001-${slug}`);
  try {
    const prep = await prepareSubmission(root, snapshot, target, entry, false);
    if (prep.verdict !== undefined || prep.submission === undefined) {
      const verdict = prep.verdict;
      return {
        refusal: verdict !== undefined && verdict.kind !== 'ran' ? verdict.reason : 'it could not be read',
        options: {},
        targetFile: '',
        dispose,
      };
    }
    const files = prep.submission.files;
    const workspace = buildWorkspace(snapshot, slug, files, join(runDir, 'tree'));
    const workDir = join(runDir, 'work');
    mkdirSync(workDir, { recursive: true });
    const sandbox = sandboxPaths(root, [target], session);
    return {
      targetFile: workspace.targetFile,
      options: {
        root: workspace.root,
        checks: entry.checks,
        exports,
        shownAs: `katas/${slug}/index.ts`,
        seedSalt: submissionSalt(files),
        workDir,
        isolation,
        sandbox: runSandbox(sandbox, runDir),
      },
      dispose,
    };
  } catch (error) {
    dispose();
    throw error;
  }
}

export interface SuiteOptions {
  readonly isolation?: IsolationChoice;
  /** Runs at the same time. Default: the number of cores. */
  readonly concurrency?: number;
  readonly limits?: TestLimits;
  readonly onRun?: (result: SuiteResult) => void;
  /**
   * `--db`: the engine the tests' databases use, with the gallery of that engine (testsEngine: a
   * kata that does not list PostgreSQL keeps SQLite). Default: sqlite.
   */
  readonly engine?: Dialect;
}

/**
 * `kata test <slug> --mine`: the candidate's own tests of one kata (in `candidateDir`, the working
 * checkout or another) run against their code, the reference and the wrong gallery of the grader's
 * tree, exactly as grading runs them. Undefined when the kata folder holds no test file. Nothing of
 * the grader's own tree is written or restored: every run's tree is a copy, removed afterwards.
 */
export async function testCandidateSuite(
  graderRoot: string,
  candidateDir: string,
  slug: string,
  options: SuiteOptions = {},
): Promise<TestsReport | undefined> {
  const root = resolve(graderRoot);
  const kata = listKatas(root).find((entry) => entry.slug === slug);
  if (kata === undefined) throw new Error(`unknown kata "${slug}"`);
  const snapshot = takeSnapshot(root, [kata]);
  const entry: PreparedKata = { kata, checks: collectChecks(await loadSpec(kata)), referenceFingerprints: [] };
  const target: GradeTarget = { name: 'candidate', kind: 'candidate', dir: resolve(candidateDir) };
  const prep = await prepareSubmission(root, snapshot, target, entry, false);
  if (prep.tests === undefined) return undefined;
  const engine = testsEngine(kata, options.engine);
  const gallery = await prepareTestGallery(root, kata, engine);
  await childBundle();
  const session = mkdtempSync(join(realpathSync(tmpdir()), 'kata-mine-'));
  try {
    const concurrency = Math.max(1, options.concurrency ?? availableParallelism());
    return await collectTestEvidence({
      snapshot,
      slug,
      tests: prep.tests,
      gallery,
      own:
        prep.verdict === undefined && prep.submission !== undefined
          ? { files: prep.submission.files }
          : { refusal: `not run: ${prep.verdict?.kind === 'ran' ? 'no code' : (prep.verdict?.reason ?? 'no code')}` },
      session,
      sandbox: sandboxPaths(root, [target], session),
      isolation: options.isolation ?? 'auto',
      engine,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      concurrency,
      ...(options.onRun === undefined ? {} : { onRun: options.onRun }),
    });
  } finally {
    rmSync(session, { recursive: true, force: true });
  }
}
