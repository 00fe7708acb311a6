/**
 * The check API specs are written in. A spec never calls `test` itself: it declares checks, each
 * mapped to a checklist item, and the runner decides how they become tests (report them, expect
 * them to pass, expect a named one to fail, or expect "not started"). That is what lets one spec
 * file run unedited against a candidate, the reference, variants and the wrong/ gallery.
 */
import fc from 'fast-check';
import { isChecklistItemId, isRedFlagId, type ChecklistItemId, type RedFlagId } from '../checklist.ts';

export interface CheckDefinition {
  /** Stable kebab-case id, unique in its kata. Reports, wrong/ headers and `--only` use it. */
  readonly id: string;
  /** What a correct solution does, in one line. Shown beside the check in every report. */
  readonly title: string;
  /** The checklist item this check gives evidence for. */
  readonly item: ChecklistItemId;
  /** Points within the kata. Default: 1. */
  readonly weight?: number;
  /** The red flag a failure of this check raises. Default: none. */
  readonly redFlag?: RedFlagId;
  /** Time limit for the check in milliseconds. Default: 10000. */
  readonly timeoutMs?: number;
  /**
   * The ids of the rules (kata.json `rules`) this check proves: it fails on an implementation that
   * breaks any one of them. A kata with a rule ledger requires at least one per check.
   */
  readonly rules?: readonly string[];
}

/** A check definition with every default filled in. */
export interface ResolvedCheck {
  readonly id: string;
  readonly title: string;
  readonly item: ChecklistItemId;
  readonly weight: number;
  readonly redFlag: RedFlagId | undefined;
  readonly timeoutMs: number;
  readonly rules: readonly string[];
}

export interface PropertyOptions {
  /** How many generated cases to try, before the runs factor. Default: 100. */
  readonly numRuns?: number;
  /** Per-case time limit in milliseconds, so a deadlock fails with its seed. Default: none. */
  readonly timeoutMs?: number;
}

export interface CheckContext<Impl> {
  /** The module under test. */
  readonly impl: Impl;
  /**
   * Absolute path of the module under test, for checks that must load it somewhere else too
   * (worker threads standing in for several app instances).
   */
  readonly targetFile: string;
  /** This check's seed. Reading it marks the check as randomised, so failures print a replay command. */
  readonly seed: number;
  /**
   * How many times its default number of cases a property runs: 1 in `kata test`, more when
   * grading. `property()` applies it; a check that draws cases in a loop of its own multiplies its
   * count by it.
   */
  readonly runsFactor: number;
  /** Runs a fast-check property with this check's seed; a failure reports the seed and counterexample. */
  property<Ts>(property: fc.IRawProperty<Ts>, options?: PropertyOptions): Promise<void>;
}

export type CheckBody<Impl> = (context: CheckContext<Impl>) => void | Promise<void>;

export interface SpecApi<Impl> {
  check(definition: CheckDefinition, body: CheckBody<Impl>): void;
}

export interface KataSpec<Impl = unknown> {
  readonly slug: string;
  readonly define: (api: SpecApi<Impl>) => void;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;

const CHECK_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Check ids and rule ids share one shape: kebab-case, stable, readable in a report. */
export function isKebabId(value: unknown): value is string {
  return typeof value === 'string' && CHECK_ID.test(value);
}

/** Thrown when a spec declares something the harness cannot score. */
export class SpecDefinitionError extends Error {
  readonly code = 'ERR_KATA_SPEC_DEFINITION';

  constructor(message: string) {
    super(message);
    this.name = 'SpecDefinitionError';
  }
}

export function defineSpec<Impl>(slug: string, define: (api: SpecApi<Impl>) => void): KataSpec<Impl> {
  return { slug, define };
}

export function resolveCheck(slug: string, definition: CheckDefinition): ResolvedCheck {
  const where = `kata "${slug}", check ${JSON.stringify(definition.id)}`;
  if (typeof definition.id !== 'string' || !CHECK_ID.test(definition.id)) {
    throw new SpecDefinitionError(`${where}: id must be kebab-case`);
  }
  if (typeof definition.title !== 'string' || definition.title.trim() === '') {
    throw new SpecDefinitionError(`${where}: title must be a non-empty string`);
  }
  if (!isChecklistItemId(definition.item)) {
    throw new SpecDefinitionError(`${where}: unknown checklist item ${JSON.stringify(definition.item)}`);
  }
  if (definition.redFlag !== undefined && !isRedFlagId(definition.redFlag)) {
    throw new SpecDefinitionError(`${where}: unknown red flag ${JSON.stringify(definition.redFlag)}`);
  }
  const weight = definition.weight ?? 1;
  if (!Number.isInteger(weight) || weight < 1) {
    throw new SpecDefinitionError(`${where}: weight must be a positive integer, received ${String(weight)}`);
  }
  const timeoutMs = definition.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw new SpecDefinitionError(`${where}: timeoutMs must be a positive integer, received ${String(timeoutMs)}`);
  }
  const rules = definition.rules ?? [];
  if (!Array.isArray(rules)) {
    throw new SpecDefinitionError(`${where}: rules must be an array of rule ids, received ${String(rules)}`);
  }
  for (const rule of rules) {
    if (!isKebabId(rule)) {
      throw new SpecDefinitionError(`${where}: rule id ${JSON.stringify(rule)} must be kebab-case`);
    }
  }
  if (new Set(rules).size !== rules.length) throw new SpecDefinitionError(`${where}: rules names a rule twice`);
  return {
    id: definition.id,
    title: definition.title,
    item: definition.item,
    weight,
    redFlag: definition.redFlag,
    timeoutMs,
    rules: [...rules],
  };
}

/**
 * The checks a spec declares, in order, validated. Runs no check body and loads no implementation,
 * so tools (list, grader) can learn what to expect from a spec without trusting any target.
 */
export function collectChecks(spec: KataSpec<never> | KataSpec<unknown>): ResolvedCheck[] {
  const checks: ResolvedCheck[] = [];
  const seen = new Set<string>();
  (spec as KataSpec<unknown>).define({
    check(definition) {
      const resolved = resolveCheck(spec.slug, definition);
      if (seen.has(resolved.id)) {
        throw new SpecDefinitionError(`kata "${spec.slug}": check id "${resolved.id}" is declared twice`);
      }
      seen.add(resolved.id);
      checks.push(resolved);
    },
  });
  if (checks.length === 0) throw new SpecDefinitionError(`kata "${spec.slug}": the spec declares no checks`);
  return checks;
}
