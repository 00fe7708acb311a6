/**
 * The runner's child process: one vitest run of one kata against one target. It reports back over
 * IPC only, so nothing the target prints on stdout can be mistaken for a result. Tests run in
 * vitest's forked workers, which have no access to this process's IPC channel.
 *
 * The parent runs this file as plain JavaScript, bundled on the fly (see child-bundle.ts): loading
 * it through tsx would cost most of a second per run in tsx's module hooks.
 */
import { dirname, join, relative, sep } from 'node:path';
import type { TestCase, TestModule } from 'vitest/node';
import { startVitest } from 'vitest/node';
import {
  JOB_ENV,
  MESSAGE_LIMIT,
  TEST_LIMIT,
  type ChildJob,
  type ChildMessage,
  type ChildReport,
  type CollectedTest,
  type RawError,
  type RawTest,
  setJobSeeds,
} from './protocol.ts';
import { SPARE_ENV } from './warm-protocol.ts';

const job = JSON.parse(process.env[JOB_ENV] ?? 'null') as ChildJob | null;
if (job === null || typeof process.send !== 'function') {
  console.error(`this process is started by the kata runner with an IPC channel and ${JOB_ENV}`);
  process.exit(2);
}
// A spare (`kata watch`) may wait long for its job: it ends when its parent does (and its worker with it).
if (process.env[SPARE_ENV] !== undefined) process.once('disconnect', () => process.exit(0));
setJobSeeds(job);

const send = (message: ChildMessage, done: () => void = () => undefined): void => {
  if (process.connected && process.send !== undefined) process.send(message, done);
  else done();
};

function clip(text: string): string {
  return text.length > MESSAGE_LIMIT ? `${text.slice(0, MESSAGE_LIMIT - 1)}…` : text;
}

const ownFolder = dirname(job.targetFile) + sep;

/** The first frame of the stack inside the target's own folder, relative to the tree: "katas/x/index.ts:3". */
function thrownAt(stack: unknown): string | undefined {
  if (typeof stack !== 'string') return undefined;
  for (const line of stack.split('\n').slice(0, 30)) {
    const frame = /(?:\(|at |file:\/\/)(\/[^\s()]+?):(\d+):(\d+)\)?\s*$/.exec(line.trim());
    if (frame === null) continue;
    const file = frame[1]!.replace(/^file:\/\//, '');
    // The spec lives in the same folder; its frames are the harness's, not the candidate's.
    if (!file.startsWith(ownFolder) || file.endsWith(`${sep}spec.ts`)) continue;
    // The line only: source maps of stripped types shift columns.
    return `${relative(job!.root, file).split(sep).join('/')}:${frame[2]}`;
  }
  return undefined;
}

function toRawError(error: {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  stack?: unknown;
  cause?: unknown;
}): RawError {
  const cause = error.cause as { name?: unknown; stack?: unknown } | null | undefined;
  const at = thrownAt(cause?.stack) ?? thrownAt(error.stack);
  return {
    name: typeof error.name === 'string' ? clip(error.name) : 'Error',
    message: clip(typeof error.message === 'string' ? error.message : String(error.message)),
    ...(typeof error.code === 'string' ? { code: clip(error.code) } : {}),
    ...(typeof cause?.name === 'string' ? { causeName: clip(cause.name) } : {}),
    ...(at === undefined ? {} : { at: clip(at) }),
  };
}

/** Mine mode runs the candidate's own tests: they are known by their full names, not by check ids. */
const mine = job.tests !== undefined;
const names = new Map<string, string>();
const taken = new Set<string>();

/**
 * A test's name in the report: a check's id, or in mine mode the test's full name ("a.test.ts >
 * rejects NaN"), numbered when a suite declares two tests of the same full name.
 */
function nameOf(testCase: TestCase): string {
  if (!mine) return clip(testCase.name);
  let name = names.get(testCase.id);
  if (name === undefined) {
    const full = clip(testCase.fullName);
    name = full;
    for (let n = 2; taken.has(name); n++) name = `${full} (${n})`;
    taken.add(name);
    names.set(testCase.id, name);
  }
  return name;
}

function toRawTest(testCase: TestCase): RawTest {
  const result = testCase.result();
  const seed = testCase.meta().kata?.seed;
  const duration = testCase.diagnostic()?.duration;
  return {
    name: nameOf(testCase),
    state: result.state,
    errors: (result.errors ?? []).slice(0, 5).map(toRawError),
    ...(typeof seed === 'number' ? { seed } : {}),
    ...(duration === undefined ? {} : { durationMs: duration }),
  };
}

let report: ChildReport | undefined;
const FILE_LIMIT = 5000;
let streamed = 0;

const reporter = {
  onTestModuleCollected(module: TestModule) {
    if (!mine) return;
    const tests: CollectedTest[] = [];
    for (const testCase of module.children.allTests()) {
      if (tests.length < TEST_LIMIT) tests.push({ name: nameOf(testCase), mode: testCase.options.mode });
    }
    send({ type: 'kata-run-collected', tests });
  },
  onTestCaseResult(testCase: TestCase) {
    if (streamed++ < TEST_LIMIT) send({ type: 'kata-run-result', test: toRawTest(testCase) });
  },
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<{ name?: unknown; message?: unknown }>) {
    const tests: RawTest[] = [];
    const errors: RawError[] = unhandled.slice(0, 20).map(toRawError);
    for (const module of modules) {
      errors.push(...module.errors().slice(0, 20).map(toRawError));
      // A failed beforeAll (the target never loaded) is an error of the suite, not of any test.
      for (const suite of module.children.allSuites()) {
        const where = mine ? { suite: clip(suite.fullName) } : {};
        errors.push(
          ...suite
            .errors()
            .slice(0, 20)
            .map((error) => ({ ...toRawError(error), ...where })),
        );
      }
      for (const testCase of module.children.allTests()) {
        if (tests.length < TEST_LIMIT) tests.push(toRawTest(testCase));
      }
    }
    report = { type: 'kata-run-report', tests, errors };
  },
};

const vitest = await startVitest(
  'test',
  [],
  {
    root: job.root,
    config: false,
    watch: false,
    // A spare (`kata watch`) waits for its job in the worker, with vitest, the kit and the spec loaded.
    include: [
      join('harness', 'runner', mine ? 'mine.entry.ts' : process.env[SPARE_ENV] ? 'warm.entry.ts' : 'target.entry.ts'),
    ],
    reporters: [reporter],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    execArgv: [...(job.workerExecArgv ?? [])],
    // The target's console output is never a result; dropping it in the worker also keeps a
    // target that prints megabytes from flooding the run.
    silent: true,
    cache: false,
    passWithNoTests: true,
    // A forgotten .only would skip the canary and every other test: as in CI, it is an error.
    allowOnly: false,
    ...(job.testTimeoutMs === undefined ? {} : { testTimeout: job.testTimeoutMs }),
    ...(job.hookTimeoutMs === undefined ? {} : { hookTimeout: job.hookTimeoutMs }),
    ...(job.moduleCache === undefined
      ? {}
      : { experimental: { fsModuleCache: true, fsModuleCachePath: job.moduleCache } }),
  },
  { server: { watch: null } },
);
const loadedFiles = modulesLoaded();

/**
 * Every module vite served to the test worker: the parent checks none came from outside the run's
 * tree and its packages (a target that loads the reference solution at run time).
 */
function modulesLoaded(): string[] {
  const files = new Set<string>();
  for (const project of vitest.projects) {
    for (const environment of Object.values(project.vite.environments)) {
      for (const id of environment.moduleGraph.idToModuleMap.keys()) {
        if (files.size < FILE_LIMIT) files.add(clip(id));
      }
    }
  }
  return [...files];
}

// The report first: the parent has what it needs and stops the whole group once it arrives, so
// vitest's own shutdown (stopping its workers politely) costs the run nothing.
send(
  report === undefined
    ? {
        type: 'kata-run-report',
        tests: [],
        errors: [{ name: 'Error', message: 'vitest ended without a report' }],
        loadedFiles,
      }
    : { ...report, loadedFiles },
  () => {
    void vitest.close().finally(() => process.exit(0));
  },
);
