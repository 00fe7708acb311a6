/** The kit: everything specs, stubs and solutions may import from the harness. */
export { NotImplementedError, isNotImplemented, surfaceNotImplemented, toError, NOT_IMPLEMENTED } from './errors.ts';
export { defineSpec, collectChecks, resolveCheck, SpecDefinitionError, DEFAULT_CHECK_TIMEOUT_MS } from './spec.ts';
export { seedForCheck, seedFrom, SEED_ENV } from './seed.ts';
export { PropertyFailure } from './context.ts';
export { createManualClock, DEFAULT_CLOCK_START_MS } from './clock.ts';

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
