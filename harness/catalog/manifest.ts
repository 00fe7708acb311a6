/**
 * The kata manifest (katas/<slug>/kata.json) and its schema. The parser is the schema: it accepts
 * exactly the documented shape and names the file, the field and the value it received when it
 * rejects anything, so a broken manifest fails the project's suite with a message you can act on.
 */
import { isChecklistItemId, type ChecklistItemId } from '../checklist.ts';
import type { Dialect } from '../kit/db/types.ts';
import { isKebabId } from '../kit/spec.ts';

export type Difficulty = 'easy' | 'medium' | 'hard';

export const difficulties: readonly Difficulty[] = ['easy', 'medium', 'hard'];

/** The engines a spec can run on (`kata test --db`), SQLite first: it is the default and needs nothing. */
export const databaseEngines: readonly Dialect[] = ['sqlite', 'postgres'];

/** A kata whose manifest says nothing about databases runs on SQLite only. */
export const DEFAULT_DATABASES: readonly Dialect[] = ['sqlite'];

/** One testable sentence of the kata's README, with the id checks and wrong files refer to it by. */
export interface KataRule {
  /** Stable kebab-case id, unique in its kata, e.g. "hold-expires". */
  readonly id: string;
  /** The rule as the README states it, in one sentence. */
  readonly text: string;
}

export interface KataManifest {
  /** Human title, e.g. "Anagram check". */
  readonly title: string;
  readonly difficulty: Difficulty;
  /** One sentence for `kata list`. */
  readonly summary: string;
  /** Suggested order in the catalogue: lower comes first. */
  readonly order: number;
  /** Rough minutes an interview would allot. */
  readonly minutes: number;
  /** The checklist items the kata exercises. Every check's item must be listed here. */
  readonly checklistItems: readonly ChecklistItemId[];
  /** Shown one at a time by `kata hint`, from gentle to nearly the answer. */
  readonly hints: readonly string[];
  /** Questions for the interviewer to ask once the code works. */
  readonly followUps: readonly string[];
  /**
   * The rule ledger: every testable rule of the README. When present, every rule must be proved by
   * a check and violated by a wrong/ file, and every check must prove a rule. Default: none.
   */
  readonly rules?: readonly KataRule[];
  /**
   * The engines the kata's spec supports, for `kata test --db` and `kata grade --db`. The parser
   * always sets it (['sqlite'] when the file lists none, also right for katas without a database:
   * the engine is then never read); manifests built in code may leave it out, so read it with
   * supportedDatabases.
   */
  readonly databases?: readonly Dialect[];
}

/** The engines a kata's spec supports: its manifest's `databases`, SQLite alone by default. */
export function supportedDatabases(manifest: Pick<KataManifest, 'databases'>): readonly Dialect[] {
  return manifest.databases ?? DEFAULT_DATABASES;
}

export class ManifestError extends Error {
  readonly code = 'ERR_KATA_MANIFEST';

  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'ManifestError';
  }
}

const FIELDS = [
  '$schema',
  'title',
  'difficulty',
  'summary',
  'order',
  'minutes',
  'checklistItems',
  'hints',
  'followUps',
  'rules',
  'databases',
];

export function parseManifest(raw: unknown, file: string): KataManifest {
  const fail = (message: string): never => {
    throw new ManifestError(file, message);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return fail(`expected a JSON object, received ${describe(raw)}`);
  }
  const record = raw as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!FIELDS.includes(key)) fail(`unknown field "${key}" (allowed: ${FIELDS.slice(1).join(', ')})`);
  }
  const text = (key: string): string => {
    const value = record[key];
    if (typeof value !== 'string' || value.trim() === '') {
      return fail(`"${key}" must be a non-empty string, received ${describe(value)}`);
    }
    return value;
  };
  const positiveInteger = (key: string): number => {
    const value = record[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      return fail(`"${key}" must be a positive integer, received ${describe(value)}`);
    }
    return value;
  };
  const texts = (key: string): string[] => {
    const value = record[key];
    if (!Array.isArray(value) || value.length === 0) {
      return fail(`"${key}" must be a non-empty array of strings, received ${describe(value)}`);
    }
    return value.map((entry, index) =>
      typeof entry === 'string' && entry.trim() !== ''
        ? entry
        : fail(`"${key}[${index}]" must be a non-empty string, received ${describe(entry)}`),
    );
  };

  const difficulty = record.difficulty;
  if (!difficulties.includes(difficulty as Difficulty)) {
    fail(`"difficulty" must be one of ${difficulties.join(', ')}, received ${describe(difficulty)}`);
  }
  const checklistItems = texts('checklistItems').map((id, index) =>
    isChecklistItemId(id) ? id : fail(`"checklistItems[${index}]" is not a checklist item id, received "${id}"`),
  );
  if (new Set(checklistItems).size !== checklistItems.length) fail('"checklistItems" lists an item twice');

  const rules = record.rules === undefined ? undefined : parseRules(record.rules, fail);
  const databases = record.databases === undefined ? [...DEFAULT_DATABASES] : parseDatabases(record.databases, fail);

  return {
    title: text('title'),
    difficulty: difficulty as Difficulty,
    summary: text('summary'),
    order: positiveInteger('order'),
    minutes: positiveInteger('minutes'),
    checklistItems,
    hints: texts('hints'),
    followUps: texts('followUps'),
    ...(rules === undefined ? {} : { rules }),
    databases,
  };
}

function parseDatabases(value: unknown, fail: (message: string) => never): Dialect[] {
  if (!Array.isArray(value) || value.length === 0) {
    return fail(`"databases" must be a non-empty array of ${databaseEngines.join(', ')}, received ${describe(value)}`);
  }
  const seen = new Set<Dialect>();
  return value.map((entry: unknown, index) => {
    if (!databaseEngines.includes(entry as Dialect)) {
      return fail(`"databases[${index}]" must be one of ${databaseEngines.join(', ')}, received ${describe(entry)}`);
    }
    const engine = entry as Dialect;
    if (seen.has(engine)) fail(`"databases[${index}]" lists "${engine}" twice`);
    seen.add(engine);
    return engine;
  });
}

function parseRules(value: unknown, fail: (message: string) => never): KataRule[] {
  if (!Array.isArray(value) || value.length === 0) {
    return fail(`"rules" must be a non-empty array of { id, text }, received ${describe(value)}`);
  }
  const seen = new Set<string>();
  return value.map((entry: unknown, index) => {
    const where = `rules[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      return fail(`"${where}" must be an object { id, text }, received ${describe(entry)}`);
    }
    const { id, text, ...extra } = entry as Record<string, unknown>;
    const unknown = Object.keys(extra);
    if (unknown.length > 0) fail(`"${where}" has unknown field "${unknown[0]}" (allowed: id, text)`);
    if (!isKebabId(id)) fail(`"${where}.id" must be a kebab-case id, received ${describe(id)}`);
    if (typeof text !== 'string' || text.trim() === '') {
      fail(`"${where}.text" must be a non-empty string, received ${describe(text)}`);
    }
    if (seen.has(id as string)) fail(`"${where}.id" "${id as string}" is used by an earlier rule`);
    seen.add(id as string);
    return { id: id as string, text: text as string };
  });
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}
