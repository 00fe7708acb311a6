/**
 * Model-based checks: fast-check generates sequences of commands over the whole API; each command
 * runs against the implementation and against a model of the README (plain, sequential code) and
 * compares what happened. fast-check shrinks a failing sequence to the shortest one, and the
 * failure reads as the steps that led to it, in words.
 *
 * Commands are `fc.AsyncCommand`s, so `fc.commands(...)` and its shrinking apply as they are; the
 * kit adds `command()` to write one without a class, `runCommands()` to run a sequence and report
 * the steps, and `expectOutcome()` to compare a call's outcome with the model's in full.
 */
import fc from 'fast-check';
import { outcomeDifference, type ErrorClasses, type Expected } from './expected.ts';
import type { Outcome } from './outcome.ts';

export interface CommandSpec<Model, Real, Args> {
  /** What the command is drawn with. */
  readonly args: fc.Arbitrary<Args>;
  /** The step in words, e.g. `reserveSeat("A1", "u2")`. Shown in failures. */
  readonly describe: (args: Args) => string;
  /** Whether the command makes sense in the model's current state. Default: always. */
  readonly check?: (model: Model, args: Args) => boolean;
  /** Runs the command on both sides and throws when they disagree. */
  readonly run: (model: Model, real: Real, args: Args) => Promise<void> | void;
}

class KitCommand<Model extends object, Real, Args> implements fc.AsyncCommand<Model, Real> {
  constructor(
    private readonly spec: CommandSpec<Model, Real, Args>,
    private readonly args: Args,
  ) {}

  check(model: Readonly<Model>): boolean {
    return this.spec.check === undefined ? true : this.spec.check(model as Model, this.args);
  }

  async run(model: Model, real: Real): Promise<void> {
    await this.spec.run(model, real, this.args);
  }

  toString(): string {
    return this.spec.describe(this.args);
  }
}

/** One kind of command, drawn with its arguments: pass a list of these to `fc.commands`. */
export function command<Model extends object, Real, Args>(
  spec: CommandSpec<Model, Real, Args>,
): fc.Arbitrary<fc.AsyncCommand<Model, Real>> {
  return spec.args.map(
    (args) => new KitCommand(spec, args),
    // Lets fast-check take a command it was given back apart into its arguments (replays).
    (value) => {
      if (value instanceof KitCommand) return (value as unknown as { args: Args }).args;
      throw new Error('not a command of this kind');
    },
  );
}

/** A disagreement between the implementation and the model, with the steps that led to it. */
export class ModelMismatchError extends Error {
  readonly code = 'ERR_KATA_MODEL_MISMATCH';

  constructor(
    message: string,
    readonly steps: readonly string[],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ModelMismatchError';
  }
}

/** The most steps a message lists; earlier ones are summarised. Shrinking keeps sequences short. */
const STEPS_SHOWN = 16;

export interface ModelSetup<Model, Real> {
  readonly model: Model;
  readonly real: Real;
  /** The options this run was set up with, in words: part of every failure message. */
  readonly description?: string;
  /** Runs after the sequence, whether it failed or not (close databases here). */
  readonly teardown?: () => Promise<void> | void;
}

/**
 * Runs the commands whose `check` holds, in order, and rethrows the first disagreement as a
 * ModelMismatchError whose message ends with the steps so far, in words.
 */
export async function runCommands<Model extends object, Real>(
  setup: () => Promise<ModelSetup<Model, Real>> | ModelSetup<Model, Real>,
  commands: Iterable<fc.AsyncCommand<Model, Real>>,
): Promise<void> {
  const { model, real, description, teardown } = await setup();
  const steps: string[] = [];
  try {
    for (const next of commands) {
      if (!(await next.check(model))) continue;
      steps.push(next.toString());
      try {
        await next.run(model, real);
      } catch (error) {
        throw mismatch(error, steps, description);
      }
    }
  } finally {
    await teardown?.();
  }
}

function mismatch(error: unknown, steps: readonly string[], description: string | undefined): ModelMismatchError {
  const reason = error instanceof Error ? error.message : String(error);
  const shown =
    steps.length > STEPS_SHOWN
      ? [`(${steps.length - STEPS_SHOWN} earlier steps)`, ...steps.slice(-STEPS_SHOWN)]
      : steps;
  const setup = description === undefined ? '' : ` with ${description}`;
  return new ModelMismatchError(`${reason}\nsteps${setup}: ${shown.join('; ')}`, steps, { cause: error });
}

/** Throws when the call's outcome differs from the model's, naming the call. */
export function expectOutcome(
  actual: Outcome<unknown>,
  expected: Expected<unknown>,
  what: string,
  classes?: ErrorClasses,
): void {
  const difference = outcomeDifference(actual, expected, classes);
  if (difference !== undefined) throw new Error(`${what} ${difference}`);
}
