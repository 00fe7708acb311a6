/**
 * Turns a spec into vitest tests for one target. The same spec is registered with a different
 * expectation depending on who runs it: a candidate's run reports every check; the project's own
 * suite expects the reference to pass, a stub to be "not started" and a wrong/ file to fail the
 * checks its header names.
 */
import { appendFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, test, type TestContext } from 'vitest';
import { createCheckContext } from '../kit/context.ts';
import { isNotImplemented, surfaceNotImplemented, toError } from '../kit/errors.ts';
import { runsFactor, seedForCheck } from '../kit/seed.ts';
import { collectChecks, resolveCheck, type CheckBody, type KataSpec, type ResolvedCheck } from '../kit/spec.ts';
import { shapeProblem, type ExportShape } from './exports.ts';
import { canaryIntactMessage, PROGRESS, type ChildJob } from './protocol.ts';

export type Expectation =
  /** Register every check as a plain test; passing and failing are both results. */
  | { readonly kind: 'report'; readonly only?: readonly string[] }
  /** Every check must report NotImplementedError: the target is an untouched stub. */
  | { readonly kind: 'not-started' }
  /** Each named check must fail; the others are not run. */
  | { readonly kind: 'reject'; readonly checks: readonly string[] };

/** What the reporter reads back from each test. */
export interface CheckTaskMeta {
  readonly slug: string;
  readonly checkId: string;
  seed?: number;
}

declare module 'vitest' {
  interface TaskMeta {
    kata?: CheckTaskMeta;
  }
}

/** The target threw (or failed to link) while it loaded: "katas/x/index.ts failed to load: ReferenceError: y is not defined". */
export class TargetLoadError extends Error {
  readonly code = 'ERR_KATA_TARGET_LOAD';

  constructor(shown: string, cause: Error) {
    const name = cause.name === '' || cause.name === 'Error' ? '' : `${cause.name}: `;
    super(`${shown} failed to load: ${name}${cause.message}`, { cause });
    this.name = 'TargetLoadError';
  }
}

/** The target loaded but does not export what the kata's stub exports, in the same shape. */
export class TargetShapeError extends Error {
  readonly code = 'ERR_KATA_TARGET_SHAPE';

  constructor(message: string) {
    super(message);
    this.name = 'TargetShapeError';
  }
}

export interface RegisterOptions {
  /** Shown as the describe block, e.g. "anagram (reference)". */
  readonly label: string;
  /** Absolute path of the implementation under test. */
  readonly targetFile: string;
  /** The target as a person knows it, in messages ("katas/pubsub/index.ts"). Default: the label. */
  readonly shownAs?: string;
  /**
   * The exports the kata's stub has, read by the caller from the stub it trusts: a target that
   * lacks one or has it in another shape fails every check with that one finding. Default: no comparison.
   */
  readonly exports?: readonly ExportShape[];
  readonly expectation: Expectation;
  /**
   * File to append progress lines to, synchronously, so the runner knows which check was running
   * when a worker blocked or died. Default: none.
   */
  readonly progressFile?: string;
  /**
   * Registers, after every check, a test of this name that must fail: it runs assertions that
   * cannot pass, so a target that tampered with the assertion library is caught. Default: none.
   */
  readonly canary?: string;
  /** Caps every check's time limit, in milliseconds. Default: each check's own limit. */
  readonly timeoutCapMs?: number;
  /**
   * The command that replays one randomised check of this block (its seed, and its test's full
   * name: the label, a space, the check id), appended to its failure when it was expected to
   * pass. Default: none (a candidate's run prints its replay from the reporter).
   */
  readonly replayCommand?: (seed: number, testName: string) => string;
}

/** Thrown when an assertion that cannot pass passed: the target tampered with the test framework. */
export class TamperedAssertionsError extends Error {
  readonly code = 'ERR_KATA_TAMPERED';

  constructor(detail: string) {
    super(`the test framework was tampered with: ${detail}`);
    this.name = 'TamperedAssertionsError';
  }
}

/** Registers `spec` as a runner job asks: its target, checks, canary, progress file and limits. */
export function registerJob<Impl>(spec: KataSpec<Impl>, job: ChildJob): void {
  registerSpec(spec, {
    label: job.slug,
    targetFile: job.targetFile,
    ...(job.shownAs === undefined ? {} : { shownAs: job.shownAs }),
    ...(job.exports === undefined ? {} : { exports: job.exports }),
    expectation: job.only === undefined ? { kind: 'report' } : { kind: 'report', only: job.only },
    ...(job.progressFile === undefined ? {} : { progressFile: job.progressFile }),
    ...(job.canary === undefined ? {} : { canary: job.canary }),
    ...(job.timeoutCapMs === undefined ? {} : { timeoutCapMs: job.timeoutCapMs }),
  });
}

export function registerSpec<Impl>(spec: KataSpec<Impl>, options: RegisterOptions): void {
  const declared = collectChecks(spec as KataSpec<unknown>);
  const expectation = options.expectation;
  const wanted = selectChecks(declared, expectation);

  const progress = progressWriter(options.progressFile);

  describe(options.label, () => {
    let loaded: { ok: true; module: Impl } | { ok: false; error: Error } | undefined;

    beforeAll(async () => {
      progress(PROGRESS.loadStart);
      const shown = options.shownAs ?? options.label;
      try {
        const module = (await import(pathToFileURL(options.targetFile).href)) as Impl;
        const problem =
          options.exports === undefined
            ? undefined
            : shapeProblem(options.exports, module as Record<string, unknown>, shown);
        loaded = problem === undefined ? { ok: true, module } : { ok: false, error: new TargetShapeError(problem) };
      } catch (thrown) {
        loaded = { ok: false, error: new TargetLoadError(shown, toError(thrown)) };
      }
      progress(PROGRESS.loadEnd);
    });

    const loadedModule = (): Impl => {
      if (loaded === undefined) throw new Error('the target was not loaded before the check ran');
      if (!loaded.ok) throw loaded.error;
      return loaded.module;
    };

    spec.define({
      check(definition, body) {
        const check = resolveCheck(spec.slug, definition);
        if (!wanted.has(check.id)) return;
        const run = async (context: TestContext) => {
          progress(`${PROGRESS.checkStart} ${check.id}`);
          try {
            await runCheck(spec.slug, check, body, loadedModule(), options.targetFile, context);
          } finally {
            try {
              assertionsStillFail();
            } finally {
              progress(`${PROGRESS.checkEnd} ${check.id}`);
            }
          }
        };
        // More cases take more time: the limit grows with the runs factor.
        const limit = check.timeoutMs * runsFactor();
        const timeout = options.timeoutCapMs === undefined ? limit : Math.min(limit, options.timeoutCapMs);
        const testOptions = { timeout };
        switch (expectation.kind) {
          case 'report':
            test(check.id, testOptions, async (context) => {
              try {
                await run(context);
              } catch (thrown) {
                const seed = context.task.meta.kata?.seed;
                if (options.replayCommand === undefined || seed === undefined || !(thrown instanceof Error))
                  throw thrown;
                thrown.message += `\nreplay: ${options.replayCommand(seed, `${options.label} ${check.id}`)}`;
                throw thrown;
              }
            });
            break;
          case 'reject':
            test.fails(check.id, testOptions, run);
            break;
          case 'not-started':
            test(check.id, testOptions, async (context) => {
              const outcome = await run(context).then(
                () => undefined,
                (error: unknown) => error,
              );
              expect(
                isNotImplemented(outcome),
                `expected NotImplementedError, got ${outcome === undefined ? 'a pass' : String(outcome)}`,
              ).toBe(true);
            });
            break;
        }
      },
    });

    if (options.canary !== undefined) registerCanary(options.canary);
  });
}

/** Appends one line per event; a missing option or an unwritable file makes it a no-op. */
export function progressWriter(file: string | undefined): (line: string) => void {
  if (file === undefined) return () => undefined;
  return (line) => {
    try {
      appendFileSync(file, `${line}\n`);
    } catch {
      // Progress is advisory: the verdict never depends on it.
    }
  };
}

/** Assertions that can never pass, each named for the report. Captured before any target loads. */
const IMPOSSIBLE_ASSERTIONS: readonly (readonly [string, () => void])[] = [
  ['expect(1).toBe(2)', () => expect(1).toBe(2)],
  ['expect(false).toBe(true)', () => expect(false).toBe(true)],
  ['expect(true).toBe(false)', () => expect(true).toBe(false)],
  ['expect({ a: 1 }).toEqual({ a: 2 })', () => expect({ a: 1 }).toEqual({ a: 2 })],
  ['expect([1]).toStrictEqual([2])', () => expect([1]).toStrictEqual([2])],
  ['expect(2).toBeLessThan(1)', () => expect(2).toBeLessThan(1)],
  ['expect(1).toBeGreaterThan(2)', () => expect(1).toBeGreaterThan(2)],
  ['expect("a").toMatch(/b/)', () => expect('a').toMatch(/b/)],
  ['expect([1]).toContain(2)', () => expect([1]).toContain(2)],
  ['expect(undefined).toBeDefined()', () => expect(undefined).toBeDefined()],
  ['expect(null).toBeInstanceOf(TypeError)', () => expect(null).toBeInstanceOf(TypeError)],
  ['expect(() => {}).toThrow()', () => expect(() => undefined).toThrow()],
  ['expect(0).toBeTruthy()', () => expect(0).toBeTruthy()],
  ['expect(1).not.toBe(1)', () => expect(1).not.toBe(1)],
];

/** The first few: cheap enough to run after every check. */
const QUICK_PROBES = IMPOSSIBLE_ASSERTIONS.slice(0, 4);

/**
 * The assertions that passed although they cannot pass. The probes do not count towards the
 * check's own `expect.assertions(n)`: the assertion counter is restored afterwards.
 */
function escapedAssertions(probes: typeof IMPOSSIBLE_ASSERTIONS): string[] {
  const escaped: string[] = [];
  const { assertionCalls } = expect.getState();
  try {
    for (const [label, assertion] of probes) {
      let threw = false;
      try {
        assertion();
      } catch {
        threw = true;
      }
      if (!threw) escaped.push(label);
    }
  } finally {
    expect.setState({ assertionCalls });
  }
  return escaped;
}

/** After every check: a check cannot pass once the assertion library stops failing. */
export function assertionsStillFail(): void {
  const escaped = escapedAssertions(QUICK_PROBES);
  if (escaped.length > 0) throw new TamperedAssertionsError(`${escaped.join(', ')} passed`);
}

/**
 * The canary fails, always: with the exact intact message when every impossible assertion failed,
 * with the list of those that passed otherwise. The runner reads a canary that passed, went missing
 * or failed with any other message as tampering, and trusts none of the run's results.
 */
export function registerCanary(name: string): void {
  test(name, () => {
    const escaped = escapedAssertions(IMPOSSIBLE_ASSERTIONS);
    throw new Error(
      escaped.length === 0 ? canaryIntactMessage(name) : `${name}: tampered: ${escaped.join(', ')} passed`,
    );
  });
}

function selectChecks(declared: readonly ResolvedCheck[], expectation: Expectation): Set<string> {
  const ids = new Set(declared.map((check) => check.id));
  const requested =
    expectation.kind === 'reject' ? expectation.checks : expectation.kind === 'report' ? expectation.only : undefined;
  if (requested === undefined) return ids;
  const unknown = requested.filter((id) => !ids.has(id));
  if (unknown.length > 0) {
    throw new Error(`unknown check id(s) ${unknown.join(', ')}; the spec declares: ${[...ids].join(', ')}`);
  }
  return new Set(requested);
}

async function runCheck<Impl>(
  slug: string,
  check: ResolvedCheck,
  body: CheckBody<Impl>,
  impl: Impl,
  targetFile: string,
  testContext: TestContext,
): Promise<void> {
  const meta: CheckTaskMeta = { slug, checkId: check.id };
  testContext.task.meta.kata = meta;
  const context = createCheckContext(impl, targetFile, seedForCheck(slug, check.id), {
    onRandomised(seed) {
      meta.seed = seed;
    },
  });
  await surfaceNotImplemented(() => body(context));
}
