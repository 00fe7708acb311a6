/**
 * What a model says a call must do, and the comparison of that with what the call did, in full:
 * every field of a result (Dates by their time, nested objects and arrays included), and for an
 * error its class, its `code`, every documented field and what its message must mention.
 *
 * Fields the model cannot predict (an id the implementation chooses) are matched by a predicate
 * (`satisfies`), never skipped. Extra fields in a result are allowed only when null or undefined,
 * so `{ status: 'available', holder: null }` passes where `{ status: 'available' }` is expected
 * and `{ status: 'available', holder: 'u1' }` does not.
 */
import { describeError, describeOutcome, show, type Outcome } from './outcome.ts';

export interface ExpectedError {
  /** The class's name: a kata's exported error class, or a built-in such as TypeError. */
  readonly name: string;
  readonly code?: string;
  /** Documented fields of the error, compared like result values. */
  readonly fields?: Readonly<Record<string, unknown>>;
  /** What the message must contain: the parameter's name, the value received. */
  readonly mentions?: readonly (string | RegExp)[];
}

export type Expected<T = unknown> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ExpectedError };

export function expectValue<T>(value: T): Expected<T> {
  return { ok: true, value };
}

export function expectError(name: string, details: Omit<ExpectedError, 'name'> = {}): Expected<never> {
  return { ok: false, error: { name, ...details } };
}

const PREDICATE = Symbol.for('backend-katas.expected.predicate');

interface Predicate {
  readonly [PREDICATE]: true;
  readonly description: string;
  readonly test: (value: unknown) => boolean;
}

/** Matches any value the predicate accepts; `description` says what in failure messages. */
export function satisfies(description: string, test: (value: unknown) => boolean): unknown {
  const predicate: Predicate = { [PREDICATE]: true, description, test };
  return predicate;
}

function isPredicate(value: unknown): value is Predicate {
  return typeof value === 'object' && value !== null && (value as Partial<Predicate>)[PREDICATE] === true;
}

/** The class names an error may be checked against: the module's exports plus the built-ins. */
export type ErrorClasses = Readonly<Record<string, unknown>>;

const BUILT_IN_ERRORS: ErrorClasses = { Error, TypeError, RangeError, SyntaxError, ReferenceError };

/**
 * How `actual` differs from what the model expects, in one sentence, or undefined when it
 * matches. `classes` maps error names to the classes to check `instanceof` against (pass the
 * module under test: its exported error classes are found by name).
 */
export function outcomeDifference(
  actual: Outcome<unknown>,
  expected: Expected<unknown>,
  classes: ErrorClasses = {},
): string | undefined {
  if (expected.ok) {
    if (!actual.ok) return `${describeOutcome(actual)}, expected to resolve ${show(expected.value)}`;
    const difference = valueDifference(actual.value, expected.value, 'the result');
    return difference === undefined ? undefined : `${difference}; it resolved ${show(actual.value)}`;
  }
  const want = expected.error;
  const wanted = describeExpectedError(want);
  if (actual.ok) return `${describeOutcome(actual)}, expected to reject with ${wanted}`;
  const error = actual.error;
  const cls = classes[want.name] ?? BUILT_IN_ERRORS[want.name];
  const isInstance = typeof cls === 'function' ? error instanceof (cls as abstract new () => unknown) : undefined;
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  if (isInstance === false || (isInstance === undefined && name !== want.name)) {
    return `rejected ${describeError(error)}, expected ${wanted}`;
  }
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  if (want.code !== undefined && record.code !== want.code) {
    return `rejected ${describeError(error)} with code ${show(record.code)}, expected code ${show(want.code)}`;
  }
  for (const [field, value] of Object.entries(want.fields ?? {})) {
    const difference = valueDifference(record[field], value, `the error's ${field}`);
    if (difference !== undefined) return `rejected ${describeError(error)}: ${difference}`;
  }
  const message = typeof record.message === 'string' ? record.message : '';
  for (const mention of want.mentions ?? []) {
    const found = typeof mention === 'string' ? message.includes(mention) : mention.test(message);
    if (!found) {
      return `rejected ${describeError(error)}: the message should mention ${typeof mention === 'string' ? show(mention) : String(mention)}`;
    }
  }
  return undefined;
}

export function describeExpectedError(error: ExpectedError): string {
  const parts = [error.name];
  if (error.code !== undefined) parts.push(`[${error.code}]`);
  if (error.fields !== undefined && Object.keys(error.fields).length > 0) parts.push(show(error.fields));
  if (error.mentions !== undefined && error.mentions.length > 0) {
    parts.push(`mentioning ${error.mentions.map((m) => (typeof m === 'string' ? show(m) : String(m))).join(' and ')}`);
  }
  return parts.join(' ');
}

/** How `actual` differs from `expected` at `path`, or undefined when they match. */
export function valueDifference(actual: unknown, expected: unknown, path = 'the value'): string | undefined {
  if (isPredicate(expected)) {
    return expected.test(actual) ? undefined : `${path} is ${show(actual)}, expected ${expected.description}`;
  }
  if (expected instanceof Date) {
    if (!(actual instanceof Date)) return `${path} is ${show(actual)}, expected the Date ${show(expected)}`;
    return sameNumber(actual.getTime(), expected.getTime())
      ? undefined
      : `${path} is ${show(actual)}, expected ${show(expected)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path} is ${show(actual)}, expected an array ${show(expected)}`;
    if (actual.length !== expected.length) {
      return `${path} has ${actual.length} item(s), expected ${expected.length}: ${show(expected)}`;
    }
    for (let index = 0; index < expected.length; index++) {
      const difference = valueDifference(actual[index], expected[index], `${path}[${index}]`);
      if (difference !== undefined) return difference;
    }
    return undefined;
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || actual instanceof Date || Array.isArray(actual)) {
      return `${path} is ${show(actual)}, expected ${show(expected)}`;
    }
    const record = actual as Record<string, unknown>;
    for (const [key, value] of Object.entries(expected)) {
      const difference = valueDifference(record[key], value, `${path}.${key}`);
      if (difference !== undefined) return difference;
    }
    for (const key of Object.keys(record)) {
      if (key in expected) continue;
      if (record[key] !== undefined && record[key] !== null) {
        return `${path} has a field ${key} = ${show(record[key])} that ${show(expected)} does not have`;
      }
    }
    return undefined;
  }
  if (typeof expected === 'number' && typeof actual === 'number') {
    return sameNumber(actual, expected) ? undefined : `${path} is ${show(actual)}, expected ${show(expected)}`;
  }
  return actual === expected ? undefined : `${path} is ${show(actual)}, expected ${show(expected)}`;
}

function sameNumber(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}
