/** The kit: everything specs, stubs and solutions may import from the harness. */
export { NotImplementedError, isNotImplemented, surfaceNotImplemented, toError, NOT_IMPLEMENTED } from './errors.ts';
export { defineSpec, collectChecks, resolveCheck, SpecDefinitionError, DEFAULT_CHECK_TIMEOUT_MS } from './spec.ts';
export { seedForCheck, seedFrom, runsFactor, SEED_ENV, SEED_SALT_ENV, RUNS_FACTOR_ENV } from './seed.ts';
export { PropertyFailure } from './context.ts';
export { createManualClock, DEFAULT_CLOCK_START_MS } from './clock.ts';
export { createRandom } from './random.ts';
export { lazyArbitrary } from './lazy-arbitrary.ts';
export { settle, show, describeError, describeOutcome } from './outcome.ts';
export {
  expectValue,
  expectError,
  satisfies,
  outcomeDifference,
  valueDifference,
  describeExpectedError,
} from './expected.ts';
export { command, runCommands, expectOutcome, ModelMismatchError } from './model.ts';
export { createHistory, startStaggered, describeHistory } from './history.ts';
export { checkLinearizable, assertLinearizable, HistoryTooLargeError } from './linearizability.ts';

export type {
  CheckBody,
  CheckContext,
  CheckDefinition,
  KataSpec,
  PropertyOptions,
  ResolvedCheck,
  SpecApi,
} from './spec.ts';
export type { ManualClock, ManualClockOptions } from './clock.ts';
export type { Outcome } from './outcome.ts';
export type { ErrorClasses, Expected, ExpectedError } from './expected.ts';
export type { CommandSpec, ModelSetup } from './model.ts';
export type { ConcurrentCall, History, Operation } from './history.ts';
export type { LinearizabilityOptions, LinearizabilityVerdict, SequentialModel } from './linearizability.ts';
