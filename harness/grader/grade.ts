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
import { GRADING_RUNS_FACTOR } from '../kit/seed.ts';
import { collectChecks, type ResolvedCheck } from '../kit/spec.ts';
import type { KataRun } from '../runner/outcomes.ts';
import { stubShapes, type ExportShape } from '../runner/exports.ts';
import { runKata, type RunOptions } from '../runner/run.ts';
import type { Assessment } from './assessment.ts';
import { readSubmissionFile, scanSubmission, SubmissionError, type SubmissionFile } from './imports.ts';
import { assembleBatch, type SubmissionPrint } from './batch.ts';
import type { BatchReport, GradeReport, GraderInfo, SimilarityReport } from './report.ts';
import { childBundle } from '../runner/sandbox/child-bundle.ts';
import { namespacesWork, type IsolationChoice, type SandboxPaths } from '../runner/sandbox/isolation.ts';
import { buildReport, type KataGrading, type KataVerdict } from './score.ts';
import { compare, fingerprint, type Fingerprint } from './similarity.ts';
import { insideRoot, restoreChangedFiles, takeSnapshot, type Snapshot } from './snapshot.ts';
import { readDurations, writeDurations } from './durations.ts';
import { buildWorkspace, graderModules, sameText } from './workspace.ts';

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
              const prep = await prepareSubmission(graderRoot, snapshot, target, entry, fingerprinting);
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
    prepared.forEach((entry, kataIndex) => {
      targets.forEach((target, targetIndex) => {
        const { prep, started } = preps[targetIndex]![kataIndex]!;
        if (prep.verdict !== undefined) {
          gradingsByTarget[targetIndex]![kataIndex] = finishGrading(
            entry,
            prep.verdict,
            prep,
            started,
            options,
            target,
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
              sandbox: { ...sandbox, ...(sandbox.private && { private: { ...sandbox.private, keep: runDir } }) },
            });
            if (result.isolation !== undefined) modes.add(result.isolation);
            measured[entry.kata.slug] = Math.max(measured[entry.kata.slug] ?? 0, result.durationMs);
            const outside = filesOutside(result, join(runDir, 'tree'), graderModules(graderRoot));
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
          run.then(([verdict, runStarted]) => {
            gradingsByTarget[targetIndex]![kataIndex] = finishGrading(
              entry,
              verdict,
              prep,
              runStarted,
              options,
              target,
            );
          }),
        );
      });
    });
    await Promise.all(runs);

    writeDurations(graderRoot, { ...durations, ...measured });
    const warnings = restoreChangedFiles(snapshot).map(
      (path) =>
        `the grader's own file ${path} changed while candidate code ran; it was restored from the copy taken before grading, and no run used the changed file`,
    );
    const grader = graderInfo(snapshot, modes, isolation, sandbox);
    const generatedAt = new Date().toISOString();
    const catalogOrder = (grading: KataGrading): number => katas.indexOf(grading.kata);
    const reports = targets.map((target, index) =>
      buildReport({
        candidate: { name: target.name, path: target.dir, kind: target.kind },
        gradings: [...gradingsByTarget[index]!].sort((a, b) => catalogOrder(a) - catalogOrder(b)),
        assessment: options.assessment,
        grader,
        warnings,
        generatedAt,
      }),
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

function finishGrading(
  entry: PreparedKata,
  verdict: KataVerdict,
  prep: Prepared,
  started: number,
  options: GradeOptions,
  target: GradeTarget,
): KataGrading {
  const grading: KataGrading = {
    kata: entry.kata,
    checks: entry.checks,
    verdict,
    similarity: prep.similarity,
    notes: prep.notes,
    durationMs: performance.now() - started,
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
}

/** Reads and checks a submission: not attempted, unreadable, disqualified, or ready to run. */
async function prepareSubmission(
  graderRoot: string,
  snapshot: Snapshot,
  target: GradeTarget,
  entry: PreparedKata,
  fingerprintIt: boolean,
): Promise<Prepared> {
  const slug = entry.kata.slug;
  const sourceDir = target.kind === 'solutions' ? join(graderRoot, 'solutions', slug) : join(target.dir, 'katas', slug);
  const shown = target.kind === 'solutions' ? `solutions/${slug}/index.ts` : `katas/${slug}/index.ts`;
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

  const kataPrefix = `katas/${slug}/`;
  const kataFiles = new Set(
    [...snapshot.files.keys()]
      .filter((path) => path.startsWith(kataPrefix))
      .map((path) => path.slice(kataPrefix.length)),
  );
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

/** Files vite served from outside the run's tree and the grader's packages: a loaded reference. */
function filesOutside(run: KataRun, tree: string, modules: string): string[] {
  return (run.loadedFiles ?? []).filter((id) => {
    if (id.startsWith('\0') || id.startsWith('virtual:') || id.startsWith('node:') || !id.startsWith('/')) {
      return false;
    }
    const path = id.split('?')[0]!;
    return insideRoot(tree, path) === undefined && insideRoot(modules, path) === undefined;
  });
}

/** What the sandbox hides and protects: the references, every checkout's sources, the grader. */
export function sandboxPaths(graderRoot: string, targets: readonly GradeTarget[], session: string): SandboxPaths {
  const modules = graderModules(graderRoot);
  const hidden = new Set<string>([join(graderRoot, 'solutions'), join(graderRoot, 'katas')]);
  for (const target of targets) {
    hidden.add(join(target.dir, 'katas'));
    hidden.add(join(target.dir, 'solutions'));
  }
  // Never hide a folder holding the run's own tree, the packages or the grader itself.
  const keep = (dir: string): boolean =>
    [session, modules, graderRoot].every((needed) => insideRoot(dir, needed) === undefined);
  const readOnly = [graderRoot, modules].filter((dir) => insideRoot(dir, session) === undefined);
  return {
    readOnly: [...new Set(readOnly)],
    hidden: [...hidden].filter(keep),
    ...privateTmp(modules, session),
  };
}

/**
 * Every run's folder lives in the session folder under the temporary directory; each run gets a
 * private temporary directory holding its own folder only. Needs an empty mount point outside it,
 * kept beside the packages, and the packages and Node itself outside it.
 */
function privateTmp(modules: string, session: string): Pick<SandboxPaths, 'private'> {
  const tmpRoot = dirname(session);
  const mountPoint = join(modules, '.cache', 'kata-grade', 'mount-point');
  // Node itself must stay visible too (a Node unpacked under /tmp would vanish with it).
  const node = realpathSync(process.execPath);
  if ([modules, mountPoint, node].some((path) => insideRoot(tmpRoot, path) !== undefined)) return {};
  try {
    mkdirSync(mountPoint, { recursive: true });
  } catch {
    return {};
  }
  return { private: { tmpRoot, mountPoint } };
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
        sandbox: { ...sandbox, ...(sandbox.private && { private: { ...sandbox.private, keep: runDir } }) },
      },
      dispose,
    };
  } catch (error) {
    dispose();
    throw error;
  }
}
