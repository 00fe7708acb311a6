/**
 * Turns a spec into vitest tests for one target. The same spec is registered with a different
 * expectation depending on who runs it: a candidate's run reports every check; the project's own
 * suite expects the reference to pass, a stub to be "not started" and a wrong/ file to fail the
 * checks its header names.
 */
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, test, type TestContext } from 'vitest';
import { createCheckContext } from '../kit/context.ts';
import { isNotImplemented, surfaceNotImplemented, toError } from '../kit/errors.ts';
import { seedForCheck } from '../kit/seed.ts';
import { collectChecks, resolveCheck, type CheckBody, type KataSpec, type ResolvedCheck } from '../kit/spec.ts';

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

export class TargetLoadError extends Error {
  readonly code = 'ERR_KATA_TARGET_LOAD';

  constructor(label: string, cause: Error) {
    super(`could not load ${label}: ${cause.message}`, { cause });
    this.name = 'TargetLoadError';
  }
}

export interface RegisterOptions {
  /** Shown as the describe block, e.g. "anagram (reference)". */
  readonly label: string;
  /** Absolute path of the implementation under test. */
  readonly targetFile: string;
  readonly expectation: Expectation;
}

export function registerSpec<Impl>(spec: KataSpec<Impl>, options: RegisterOptions): void {
  const declared = collectChecks(spec as KataSpec<unknown>);
  const expectation = options.expectation;
  const wanted = selectChecks(declared, expectation);

  describe(options.label, () => {
    let loaded: { ok: true; module: Impl } | { ok: false; error: Error } | undefined;

    beforeAll(async () => {
      try {
        loaded = { ok: true, module: (await import(pathToFileURL(options.targetFile).href)) as Impl };
      } catch (thrown) {
        loaded = { ok: false, error: new TargetLoadError(options.label, toError(thrown)) };
      }
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
        const run = (context: TestContext) =>
          runCheck(spec.slug, check, body, loadedModule(), options.targetFile, context);
        const testOptions = { timeout: check.timeoutMs };
        switch (expectation.kind) {
          case 'report':
            test(check.id, testOptions, run);
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
