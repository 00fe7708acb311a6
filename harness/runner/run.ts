/**
 * Runs one kata's spec against one target in a supervised child process. The verdict comes over
 * IPC and is checked against the spec's own list of checks and a canary that must fail; the
 * child's stdout and exit code are never read as results.
 *
 * Supervision, per attempt:
 * - the child starts in its own process group (or its own namespaces, see isolation.ts), with an
 *   allow-listed environment and a scratch HOME and TMPDIR;
 * - a poller sums the resident memory of every process of the run (heap and off-heap alike) and
 *   stops the run at its limit;
 * - the test worker appends which check is running to a progress file, synchronously, so a check
 *   that blocks the event loop past its time limit is stopped and named, and a worker that dies is
 *   pinned to the check it was running;
 * - the whole group is killed at the end, whatever happened, with everything it started.
 *
 * A check that blocked, crashed or blew the memory limit fails with that reason, and the checks it
 * kept from running are run again in a fresh attempt without it, so one bad check does not cost
 * the others. Passes count only from an attempt whose canary failed as it must.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { findKata, harnessRoot, loadSpec } from '../catalog/catalog.ts';
import type { Dialect } from '../kit/db/types.ts';
import { collectChecks, type ResolvedCheck } from '../kit/spec.ts';
import { compileProblem, shownPath } from './compile.ts';
import { stubShapes, type ExportShape } from './exports.ts';
import { childBundle } from './sandbox/child-bundle.ts';
import { engineEnvironment, runEnvironment } from './sandbox/environment.ts';
import { launchCommand, type IsolationChoice, type IsolationMode, type SandboxPaths } from './sandbox/isolation.ts';
import { killGroup, watchRun } from './sandbox/process-table.ts';
import {
  judgeAttempt,
  oneLine,
  runStatus,
  type AttemptRecord,
  type CheckOutcome,
  type KataRun,
  type ProgressState,
  type StopCause,
} from './outcomes.ts';
import {
  canaryName,
  isChildCollected,
  isChildReport,
  isChildResult,
  JOB_ENV,
  PROGRESS,
  TEST_LIMIT,
  type ChildJob,
  type ChildReport,
  type CollectedTest,
  type RawTest,
} from './protocol.ts';

export interface RunOptions {
  /** The tree that holds harness/ and katas/. Default: this repository. */
  readonly root?: string;
  /** Run only these check ids. Default: every check. */
  readonly only?: readonly string[];
  /** Seed for every randomised check. Default: each check's own seed, derived with `seedSalt`. */
  readonly seed?: number;
  /**
   * Salt for each check's derived seed: a new one per run explores new cases; a hash of the
   * submission makes a grade reproducible. Default: none (each check's fixed seed).
   */
  readonly seedSalt?: string;
  /** Multiplies every property's number of cases, and every check's time limit. Default: 1. */
  readonly runsFactor?: number;
  /** Wall-clock limit for the whole run, all attempts together. Default: 60 s plus every check's limit. */
  readonly deadlineMs?: number;
  /** Extra arguments for the child's node. Default: none. */
  readonly nodeArgs?: readonly string[];
  /**
   * Variables added to the run's environment. The environment is otherwise an allow-list (PATH,
   * locale), never a copy of this process's: no secrets, no NODE_OPTIONS.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * The database engine the spec's databases use (KATA_DB in the run's environment, with the
   * caller's KATA_PG_URL for 'postgres'; see engineEnvironment). Default: SQLite, the kit's default.
   */
  readonly engine?: Dialect;
  /** Keeps at most this many bytes of the child's output for diagnostics. Default: 65536. */
  readonly outputLimitBytes?: number;
  /**
   * The checks to expect, as the caller collected them from a spec it trusts. Default: collected
   * from `root`'s spec in this process.
   */
  readonly checks?: readonly ResolvedCheck[];
  /** Resident memory limit for all processes of the run together, in MB. Default: 2048. */
  readonly memoryLimitMb?: number;
  /** V8 heap limit for the test worker, in MB. Default: half the memory limit. */
  readonly heapLimitMb?: number;
  /** Time limit for loading the target module, in milliseconds. Default: 20000. */
  readonly loadTimeoutMs?: number;
  /** Caps every check's time limit (the grader's own tests use short ones). Default: none. */
  readonly timeoutCapMs?: number;
  /** How long past its limit a check that blocks the event loop may run before it is killed. Default: 2000. */
  readonly graceMs?: number;
  /** Fresh attempts after a check blocked or crashed, for the checks it kept from running. Default: 2. */
  readonly maxRestarts?: number;
  /** Adds the canary, a test that must fail. Default: true. */
  readonly canary?: boolean;
  /** `auto` uses Linux namespaces where they work. Default: `process-group`. */
  readonly isolation?: IsolationChoice;
  /** Read-only and hidden directories, with namespaces. */
  readonly sandbox?: SandboxPaths;
  /** A scratch directory the run may use (and leave behind). Default: a fresh temporary one, removed after. */
  readonly workDir?: string;
  /**
   * The exports the target must have, in the same shapes: the caller reads them from a stub it
   * trusts. Default: read from `root`'s katas/<slug>/stub.ts in this process; `null` compares nothing.
   */
  readonly exports?: readonly ExportShape[] | null;
  /** The target as a person knows it, in messages. Default: its path relative to `root`. */
  readonly shownAs?: string;
  /**
   * `kata watch`: a child started before the run (see warm.ts), which runs the first attempt when
   * it fits it; every other attempt starts a child of its own. Default: none.
   */
  readonly spare?: SpareChild;
  /** Where vitest keeps transformed modules between runs: see ChildJob.moduleCache. Default: none. */
  readonly moduleCache?: string;
}

/** A runner child started ahead of its job, its worker waiting with vitest, the kit and the spec loaded. */
export interface SpareChild {
  /**
   * Takes the spare for this attempt, or undefined when it cannot run it (gone, already taken, or
   * started with another environment, other limits or another launch than the attempt's).
   */
  claim(
    job: ChildJob,
    env: NodeJS.ProcessEnv,
    launch: Pick<RunOptions, 'isolation' | 'sandbox' | 'nodeArgs'>,
  ): ClaimedSpare | undefined;
}

export interface ClaimedSpare {
  readonly child: ChildProcess;
  readonly mode: IsolationMode;
  /** The environment it was started with, and its marker (NAME=value). */
  readonly env: NodeJS.ProcessEnv;
  readonly marker: string;
  /** What it printed before it was claimed. */
  readonly output: string;
  /** Hands it the job: its worker loads the target from then on. */
  release(): void;
}

export const DEFAULT_DEADLINE_MS = 120_000;
export const DEFAULT_MEMORY_LIMIT_MB = 2048;
export const DEFAULT_LOAD_TIMEOUT_MS = 20_000;
export const DEFAULT_GRACE_MS = 2_000;
export const DEFAULT_MAX_RESTARTS = 2;
export const DEFAULT_OUTPUT_LIMIT_BYTES = 65_536;
/** Once every expected result is in, how long the child may take to wrap up before it is stopped. */
const WRAP_UP_MS = 5_000;
/** Startup budget of an attempt, before the target starts loading: our own code only. */
const STARTUP_BUDGET_MS = 60_000;
const PROGRESS_LIMIT_BYTES = 1 << 20;
/** Marks every process of a run (that keeps the environment it inherited), to find them at the end. */
export const MARKER_ENV = 'KATA_RUN_MARKER';

export async function runKata(slug: string, targetFile: string, options: RunOptions = {}): Promise<KataRun> {
  const root = options.root ?? harnessRoot;
  const kata = options.checks === undefined || options.exports === undefined ? findKata(slug, root) : undefined;
  const declared = options.checks ?? collectChecks(await loadSpec(kata!));
  const checks = declared.filter((check) => options.only === undefined || options.only.includes(check.id));
  const started = performance.now();
  const shownAs = options.shownAs ?? shownPath(root, targetFile);

  // A file that does not compile is said once, with the compiler's code frame: nothing runs.
  const compile = await compileProblem(targetFile, root);
  if (compile !== undefined) {
    return {
      slug,
      targetFile,
      status: 'error',
      outcomes: checks.map((check) => ({ check, status: 'failed', reason: oneLine(compile.summary), cause: 'load' })),
      problems: [],
      durationMs: Math.round(performance.now() - started),
      attempts: 0,
      integrity: 'unverified',
      loadError: compile.detail === '' ? compile.summary : `${compile.summary}\n\n${compile.detail}`,
      loadKind: 'compile',
      loadedFiles: [],
    };
  }
  const exports = options.exports === null ? undefined : (options.exports ?? (await stubShapes(kata!.stubFile)));

  const ownWorkDir = options.workDir === undefined;
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'kata-run-'));
  try {
    const run = await superviseRun(slug, targetFile, root, checks, workDir, { ...options, shownAs, exports }, started);
    return withoutTreePaths(run, root);
  } finally {
    if (ownWorkDir) rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * Messages name files as the person knows them (katas/pubsub/index.ts:12:5), never by the
 * temporary tree a grading ran in.
 */
function withoutTreePaths(run: KataRun, root: string): KataRun {
  const strip = treePathStripper(root);
  return {
    ...run,
    outcomes: run.outcomes.map((outcome) => ({ ...outcome, reason: strip(outcome.reason) })),
    problems: run.problems.map(strip),
    ...(run.loadError === undefined ? {} : { loadError: strip(run.loadError) }),
  };
}

/** Removes `root/` (as given and as its real path) from a message, so files read as katas/x/index.ts. */
export function treePathStripper(root: string): (text: string) => string {
  const prefixes = [...new Set([root, realpathOr(root)])].map((dir) => `${dir}${sep}`);
  return (text) => prefixes.reduce((result, prefix) => result.split(prefix).join(''), text);
}

function realpathOr(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

async function superviseRun(
  slug: string,
  targetFile: string,
  root: string,
  checks: readonly ResolvedCheck[],
  workDir: string,
  options: RunOptions,
  started: number,
): Promise<KataRun> {
  const limits = resolveLimits(checks, options);
  const deadline = started + limits.deadlineMs;
  const childFile = join(workDir, 'child.mjs');
  writeFileSync(childFile, await childBundle());
  const home = join(workDir, 'home');
  const tmp = join(workDir, 'tmp');
  mkdirSync(home, { recursive: true });
  mkdirSync(tmp, { recursive: true });
  if (options.engine === 'postgres') letServerThrough(tmp);

  const settled = new Map<string, CheckOutcome>();
  const problems: string[] = [];
  let pending = [...checks];
  let attempts = 0;
  let mode: IsolationMode = 'process-group';
  let peakRssBytes = 0;
  let tampered = false;
  let verified = false;
  let loadError: string | undefined;
  let loadKind: KataRun['loadKind'];
  const loadedFiles = new Set<string>();

  while (pending.length > 0) {
    attempts++;
    const canary = options.canary === false ? undefined : canaryName(randomBytes(6).toString('hex'));
    const marker = randomBytes(8).toString('hex');
    const job: ChildJob = {
      root,
      slug,
      targetFile,
      ...(options.shownAs === undefined ? {} : { shownAs: options.shownAs }),
      ...(options.exports === undefined || options.exports === null ? {} : { exports: options.exports }),
      ...(pending.length === checks.length && options.only === undefined ? {} : { only: pending.map((c) => c.id) }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.seedSalt === undefined ? {} : { seedSalt: options.seedSalt }),
      ...(options.runsFactor === undefined ? {} : { runsFactor: options.runsFactor }),
      progressFile: join(workDir, `progress-${attempts}`),
      ...(canary === undefined ? {} : { canary }),
      ...(options.timeoutCapMs === undefined ? {} : { timeoutCapMs: options.timeoutCapMs }),
      hookTimeoutMs: limits.loadTimeoutMs,
      workerExecArgv: [`--max-old-space-size=${limits.heapLimitMb}`],
      ...(options.moduleCache === undefined ? {} : { moduleCache: options.moduleCache }),
    };
    const byId = new Map(pending.map((check) => [check.id, check]));
    const env = runEnvironment(
      { home, tmp },
      {
        ...options.env,
        ...engineEnvironment(options.engine),
        [JOB_ENV]: JSON.stringify(job),
        [MARKER_ENV]: marker,
      },
    );
    const spare = attempts === 1 ? options.spare?.claim(job, env, options) : undefined;
    const attempt = await superviseAttempt(
      job,
      {
        names: [...byId.keys()],
        limitFor: (name) => {
          const check = byId.get(name);
          return check === undefined ? undefined : limits.checkLimitMs(check);
        },
      },
      {
        ...limits,
        childFile,
        env: spare?.env ?? env,
        marker: spare?.marker ?? `${MARKER_ENV}=${marker}`,
        deadline,
        options,
        ...(spare === undefined ? {} : { spare }),
      },
    );
    const record: AttemptRecord = { ...attempt, checks: pending };
    mode = record.mode;
    for (const file of record.loadedFiles ?? []) loadedFiles.add(file);
    peakRssBytes = Math.max(peakRssBytes, record.peakRssBytes);
    const judgement = judgeAttempt(record);
    problems.push(...judgement.problems);
    for (const [id, outcome] of judgement.settled) settled.set(id, outcome);
    tampered ||= judgement.integrity === 'tampered';
    verified ||= judgement.integrity === 'intact';
    if (judgement.loadError !== undefined) {
      loadError = judgement.loadError;
      loadKind = judgement.loadKind;
    }

    pending = pending.filter((check) => !settled.has(check.id));
    if (pending.length === 0) break;
    const why = judgement.fatal ?? judgement.unfinished;
    const outOfAttempts = attempts > limits.maxRestarts;
    const outOfTime = performance.now() >= deadline - 1_000;
    if (judgement.fatal !== undefined || judgement.settled.size === 0 || outOfAttempts || outOfTime) {
      const reason =
        judgement.fatal ??
        (outOfTime
          ? `not run: the run's time limit of ${seconds(limits.deadlineMs)} was spent (${why})`
          : outOfAttempts && judgement.settled.size > 0
            ? `not run: the run was stopped ${attempts} times (last: ${why})`
            : `not run: ${why}`);
      for (const check of pending) {
        settled.set(check.id, {
          check,
          status: judgement.fatalStatus ?? 'missing',
          reason: oneLine(reason),
          cause: judgement.fatalCause ?? 'not-run',
        });
      }
      pending = [];
    }
  }

  // Verified: some attempt's canary failed as it must (and only such attempts' passes count).
  const integrity: KataRun['integrity'] = tampered ? 'tampered' : verified ? 'verified' : 'unverified';
  const outcomes = checks.map((check) => settled.get(check.id)!);
  return {
    slug,
    targetFile,
    status: runStatus(outcomes, problems),
    outcomes,
    problems: [...new Set(problems)],
    durationMs: Math.round(performance.now() - started),
    attempts,
    isolation: mode,
    peakMemoryBytes: peakRssBytes,
    integrity,
    ...(loadError === undefined ? {} : { loadError }),
    ...(loadKind === undefined ? {} : { loadKind }),
    loadedFiles: [...loadedFiles],
  };
}

/**
 * PostgreSQL refuses to run as root, so a run started as root has the kit start its server as an
 * unprivileged user (nobody), in a folder of the run's TMPDIR handed to that user; but the folders
 * around the run are made 0700 (mkdtemp), which that user cannot pass through. Adds search
 * permission (never read: their names stay unlistable) to the folders from the system's temp
 * directory down to `dir`, which are the harness's own; nothing outside the temp directory.
 */
export function letServerThrough(dir: string, uid: number | undefined = process.getuid?.()): void {
  if (uid !== 0) return;
  const top = realpathOr(tmpdir());
  for (let at = realpathOr(dir); at.startsWith(`${top}${sep}`); at = dirname(at)) {
    const mode = statSync(at).mode & 0o7777;
    if ((mode & 0o011) !== 0o011) chmodSync(at, mode | 0o011);
  }
}

interface Limits {
  readonly deadlineMs: number;
  readonly memoryLimitMb: number;
  readonly heapLimitMb: number;
  readonly loadTimeoutMs: number;
  readonly graceMs: number;
  readonly maxRestarts: number;
  readonly outputLimit: number;
  readonly checkLimitMs: (check: ResolvedCheck) => number;
}

function resolveLimits(checks: readonly ResolvedCheck[], options: RunOptions): Limits {
  const factor = options.runsFactor ?? 1;
  const checkLimitMs = (check: ResolvedCheck): number =>
    options.timeoutCapMs === undefined
      ? check.timeoutMs * factor
      : Math.min(check.timeoutMs * factor, options.timeoutCapMs);
  const memoryLimitMb = options.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB;
  const loadTimeoutMs = options.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
  const everyCheckMs = checks.reduce((sum, check) => sum + checkLimitMs(check), 0);
  return {
    deadlineMs: options.deadlineMs ?? Math.max(DEFAULT_DEADLINE_MS, 60_000 + loadTimeoutMs + everyCheckMs),
    memoryLimitMb,
    heapLimitMb: options.heapLimitMb ?? Math.max(64, Math.floor(memoryLimitMb / 2)),
    loadTimeoutMs,
    graceMs: options.graceMs ?? DEFAULT_GRACE_MS,
    maxRestarts: options.maxRestarts ?? DEFAULT_MAX_RESTARTS,
    outputLimit: options.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES,
    checkLimitMs,
  };
}

export interface AttemptSetup {
  readonly childFile: string;
  /** NAME=value in the run's environment, to find its processes at the end. */
  readonly marker: string;
  readonly env: NodeJS.ProcessEnv;
  /** When the attempt must end, on performance.now()'s clock. */
  readonly deadline: number;
  /** The run's time limit as a person reads it, for the reason of a run stopped at `deadline`. */
  readonly deadlineMs: number;
  readonly memoryLimitMb: number;
  readonly loadTimeoutMs: number;
  readonly graceMs: number;
  readonly outputLimit: number;
  readonly options: Pick<RunOptions, 'nodeArgs' | 'isolation' | 'sandbox'>;
  /** A child started ahead of the attempt, which it runs instead of starting one. */
  readonly spare?: ClaimedSpare;
}

/** What an attempt waits for: the tests it expects, and how long each may run. */
export interface AttemptExpectations {
  /** The tests whose results end the attempt once all are in (and the canary). */
  readonly names: readonly string[];
  /** Adds the tests the child says it collected to `names` (mine mode, where no list is known before). */
  readonly learn?: boolean;
  /** A test's time limit in milliseconds; undefined for a name it does not know (no limit of its own). */
  readonly limitFor: (name: string) => number | undefined;
}

/** One attempt, supervised, as it happened: what `judgeAttempt` (or mine mode's judge) decides from. */
export type SupervisedAttempt = Omit<AttemptRecord, 'checks'> & {
  /** What the child said it collected (mine mode), in order. */
  readonly collected?: readonly CollectedTest[];
};

/**
 * Starts the child for one attempt and watches it until it reports, dies or is stopped: memory,
 * the time limits (startup, loading, each test, the deadline, the wrap-up), the process group.
 */
export function superviseAttempt(
  job: ChildJob,
  expectations: AttemptExpectations,
  setup: AttemptSetup,
): Promise<SupervisedAttempt> {
  const { child, mode } = setup.spare ?? startChild(job.root, setup);
  return new Promise((resolve) => {
    const attemptStarted = performance.now();
    const streamed: RawTest[] = [];
    let collected: CollectedTest[] | undefined;
    const progress = new ProgressReader(job.progressFile!);
    let report: ChildReport | undefined;
    let stop: StopCause | undefined;
    let exit: string | undefined;
    let output = setup.spare?.output ?? '';
    let allReportedAt: number | undefined;

    let heapExhausted = false;
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-setup.outputLimit);
      // V8's fatal message is followed by a native stack trace, so look for it as it passes.
      heapExhausted ||= /JavaScript heap out of memory|Reached heap limit/.test(output);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);

    const expectedNames = new Set([...expectations.names, ...(job.canary === undefined ? [] : [job.canary])]);
    const reportedNames = new Set<string>();
    child.on('message', (message) => {
      if (expectations.learn === true && collected === undefined && isChildCollected(message)) {
        collected = message.tests.slice(0, TEST_LIMIT).map((test) => ({ name: String(test.name), mode: test.mode }));
        // A test declared skip or todo never reports a result of its own worth waiting for.
        for (const test of collected) if (test.mode === 'run' || test.mode === 'only') expectedNames.add(test.name);
      } else if (isChildResult(message)) {
        if (streamed.length < 2 * expectedNames.size + 10) streamed.push(message.test);
        reportedNames.add(message.test.name);
        if (allReportedAt === undefined && [...expectedNames].every((name) => reportedNames.has(name))) {
          allReportedAt = performance.now();
        }
      } else if (report === undefined && isChildReport(message)) {
        report = message;
        // Everything is in: nothing the group does from here on can change the verdict.
        finish();
      }
    });

    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(backstop);
      // Read first: a check still running when the child died is the one to blame.
      progress.read();
      // The sweep first, while the tree is whole: it freezes every process of the run (a stopped
      // one still parents what it started), then kills them. Killing the group first would orphan
      // what a member started after the last poll in a session of its own with a clean
      // environment (no marker): nothing would find it then. The group kill after is for a run
      // without a watcher (no pid) and costs nothing otherwise.
      watcher?.stop();
      killGroup(child.pid);
      progress.close();
      child.stdout?.destroy();
      child.stderr?.destroy();
      if (child.connected) child.disconnect();
      resolve({
        ...(collected === undefined ? {} : { collected }),
        tests: mergeResults(streamed, report?.tests),
        errors: report?.errors ?? [],
        completed: report !== undefined,
        canary: job.canary,
        stop,
        exit,
        progress: progress.state,
        outputTail: oneLine(output.split('\n').slice(-12).join('\n'), 600),
        heapExhausted,
        peakRssBytes: watcher?.peakRssBytes ?? 0,
        mode,
        loadedFiles: report?.loadedFiles ?? [],
      });
    };
    const stopWith = (cause: StopCause): void => {
      if (stop === undefined) stop = cause;
      finish();
    };

    const onTick = (): void => {
      if (settled) return;
      const now = performance.now();
      progress.read();
      const state = progress.state;
      if (now >= setup.deadline) return stopWith({ kind: 'deadline', limitMs: setup.deadlineMs });
      if (state.loadStartedAt === undefined && now - attemptStarted > STARTUP_BUDGET_MS) {
        return stopWith({ kind: 'startup', limitMs: STARTUP_BUDGET_MS });
      }
      if (state.loading && state.loadStartedAt !== undefined) {
        if (now - state.loadStartedAt > setup.loadTimeoutMs + setup.graceMs) {
          return stopWith({ kind: 'load-timeout', limitMs: setup.loadTimeoutMs });
        }
      }
      const limit = state.running === undefined ? undefined : expectations.limitFor(state.running);
      if (state.running !== undefined && limit !== undefined && state.runningSince !== undefined) {
        if (now - state.runningSince > limit + setup.graceMs) {
          return stopWith({ kind: 'check-timeout', check: state.running, limitMs: limit });
        }
      }
      if (allReportedAt !== undefined && now - allReportedAt > WRAP_UP_MS) {
        return stopWith({ kind: 'wrap-up', limitMs: WRAP_UP_MS });
      }
    };

    const watcher =
      child.pid === undefined
        ? undefined
        : watchRun(child.pid, {
            memoryLimitBytes: setup.memoryLimitMb * 1024 * 1024,
            marker: setup.marker,
            onMemoryExceeded: (usedBytes) => {
              progress.read();
              stopWith({
                kind: 'memory',
                limitMb: setup.memoryLimitMb,
                usedMb: Math.round(usedBytes / (1024 * 1024)),
                ...(progress.state.running === undefined ? {} : { check: progress.state.running }),
              });
            },
            onTick,
          });
    const backstop = setTimeout(
      () => stopWith({ kind: 'deadline', limitMs: setup.deadlineMs }),
      Math.max(0, setup.deadline - performance.now()),
    );

    child.on('error', (error) => {
      stopWith({ kind: 'spawn-error', message: error.message });
    });
    // Wait for the process to exit and its IPC channel to drain, but not for 'close': a detached
    // grandchild may hold the output pipes open long after the child is gone.
    let disconnected = false;
    const settleAfterExit = (): void => {
      if (exit !== undefined && disconnected) finish();
    };
    child.on('disconnect', () => {
      disconnected = true;
      settleAfterExit();
    });
    child.on('exit', (code, signal) => {
      exit = signal ?? `exit code ${code}`;
      if (!child.connected) disconnected = true;
      settleAfterExit();
    });
    // Watched from here on: the spare's worker may load the target.
    setup.spare?.release();
  });
}

function startChild(cwd: string, setup: AttemptSetup): { child: ChildProcess; mode: IsolationMode } {
  const launch = launchCommand(
    process.execPath,
    [...(setup.options.nodeArgs ?? []), setup.childFile],
    setup.options.isolation ?? 'process-group',
    setup.options.sandbox,
  );
  return { child: spawnChild(launch.command, launch.args, cwd, setup.env), mode: launch.mode };
}

/** A runner child: its own process group, output piped, results over IPC only. */
export function spawnChild(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): ChildProcess {
  return spawn(command, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env });
}

/**
 * The final report's tests, except where a worker died: vitest then reports every test it had not
 * heard the end of as pending, and the results streamed before the crash are the better record.
 */
function mergeResults(streamed: readonly RawTest[], final: readonly RawTest[] | undefined): readonly RawTest[] {
  if (final === undefined) return streamed;
  const settledEarlier = new Map<string, RawTest>();
  for (const test of streamed)
    if (test.state === 'passed' || test.state === 'failed') settledEarlier.set(test.name, test);
  return final.map((test) =>
    test.state === 'pending' || test.state === 'skipped' ? (settledEarlier.get(test.name) ?? test) : test,
  );
}

/** Reads the progress file as it grows; the candidate's process can write it, so it is advisory. */
class ProgressReader {
  private fd: number | undefined;
  private offset = 0;
  private partial = '';
  readonly state: ProgressState & { loadStartedAt?: number; runningSince?: number } = {
    loading: false,
    loaded: false,
    running: undefined,
    started: [],
  };

  constructor(private readonly file: string) {}

  read(): void {
    if (this.offset >= PROGRESS_LIMIT_BYTES) return;
    if (this.fd === undefined) {
      try {
        this.fd = openSync(this.file, 'r');
      } catch {
        return;
      }
    }
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      let count: number;
      try {
        count = readSync(this.fd, buffer, 0, buffer.length, this.offset);
      } catch {
        return;
      }
      if (count <= 0) return;
      this.offset += count;
      const lines = (this.partial + buffer.toString('utf8', 0, count)).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.apply(line);
      if (this.offset >= PROGRESS_LIMIT_BYTES) return;
    }
  }

  private apply(line: string): void {
    const now = performance.now();
    const [event, id] = [line.slice(0, 1), line.slice(2)];
    switch (event) {
      case PROGRESS.loadStart:
        this.state.loading = true;
        this.state.loadStartedAt ??= now;
        break;
      case PROGRESS.loadEnd:
        this.state.loading = false;
        this.state.loaded = true;
        break;
      case PROGRESS.checkStart:
        this.state.running = id;
        this.state.runningSince = now;
        this.state.started.push(id);
        break;
      case PROGRESS.checkEnd:
        if (this.state.running === id) {
          this.state.running = undefined;
          this.state.runningSince = undefined;
        }
        break;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
