/** Builds the context a check body receives: the implementation, its seed and property runner. */
import fc from 'fast-check';
import { runsFactor } from './seed.ts';
import type { CheckContext, PropertyOptions } from './spec.ts';

export interface ContextHooks {
  /** Called the first time the body reads its seed or runs a property. */
  onRandomised(seed: number): void;
}

/** A property found a counterexample. The message leads with what went wrong, then how to replay it. */
export class PropertyFailure extends Error {
  readonly code = 'ERR_KATA_PROPERTY_FAILED';

  constructor(
    message: string,
    readonly seed: number,
    readonly counterexample: string,
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PropertyFailure';
  }
}

const COUNTEREXAMPLE_LIMIT = 300;

export function createCheckContext<Impl>(
  impl: Impl,
  targetFile: string,
  seed: number,
  hooks: ContextHooks,
): CheckContext<Impl> {
  let randomised = false;
  const markRandomised = (): void => {
    if (randomised) return;
    randomised = true;
    hooks.onRandomised(seed);
  };
  const factor = runsFactor();
  return {
    impl,
    targetFile,
    runsFactor: factor,
    get seed() {
      markRandomised();
      return seed;
    },
    async property<Ts>(property: fc.IRawProperty<Ts>, options: PropertyOptions = {}) {
      markRandomised();
      const details = await fc.check(property, {
        seed,
        numRuns: (options.numRuns ?? 100) * factor,
        ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
      });
      if (!details.failed) return;
      throw propertyFailure(details, seed);
    },
  };
}

function propertyFailure<Ts>(details: fc.RunDetails<Ts>, seed: number): PropertyFailure {
  const cause = details.errorInstance;
  const reason =
    cause instanceof Error
      ? cause.message
      : details.counterexample === null
        ? `gave up after ${details.numSkips} skipped cases`
        : String(cause);
  // A model check's message already lists the steps in words; the raw counterexample would repeat them.
  const modelMismatch = (cause as { code?: unknown } | undefined)?.code === 'ERR_KATA_MODEL_MISMATCH';
  let example = details.counterexample === null || modelMismatch ? '' : fc.stringify(details.counterexample);
  if (example.length > COUNTEREXAMPLE_LIMIT) example = `${example.slice(0, COUNTEREXAMPLE_LIMIT - 1)}…`;
  const path = details.counterexamplePath ?? '';
  const where = example === '' ? '' : ` for ${example}`;
  return new PropertyFailure(
    `${reason}${where} (seed ${seed}, after ${details.numRuns} case(s), ${details.numShrinks} shrink(s))`,
    seed,
    example,
    path,
    { cause },
  );
}
