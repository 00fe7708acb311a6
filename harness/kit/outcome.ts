/**
 * How a call ended, as data: the value it resolved to or what it threw, synchronous throws
 * included. Model checks and histories compare outcomes, and every failure message describes
 * them the same way.
 */

export type Outcome<T = unknown> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** Runs `call` and reports how it ended. A synchronous throw is a rejection like any other. */
export async function settle<T>(call: () => T | PromiseLike<T>): Promise<Outcome<Awaited<T>>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    return { ok: false, error };
  }
}

const DEFAULT_LIMIT = 200;

/**
 * A short, stable rendering of any value for a failure message: Dates as ISO strings, errors as
 * `Name [code]: message`, bigints with `n`, strings quoted, long output cut with `…`.
 */
export function show(value: unknown, limit: number = DEFAULT_LIMIT): string {
  const text = render(value, 0, new WeakSet());
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

function render(value: unknown, depth: number, seen: WeakSet<object>): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
      return String(value);
    case 'symbol':
      return value.toString();
    case 'function':
      return `[function ${(value as { name?: string }).name || 'anonymous'}]`;
  }
  const object = value as object;
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? 'Invalid Date' : `Date(${object.toISOString()})`;
  if (isErrorLike(object)) return describeError(object);
  if (seen.has(object)) return '[circular]';
  if (depth > 4) return Array.isArray(object) ? '[…]' : '{…}';
  seen.add(object);
  try {
    if (Array.isArray(object)) return `[${object.map((item) => render(item, depth + 1, seen)).join(', ')}]`;
    if (object instanceof Map) {
      const entries = [...object].map(([k, v]) => `${render(k, depth + 1, seen)} => ${render(v, depth + 1, seen)}`);
      return `Map { ${entries.join(', ')} }`;
    }
    if (object instanceof Set) return `Set { ${[...object].map((v) => render(v, depth + 1, seen)).join(', ')} }`;
    if (object instanceof Promise) return '[Promise]';
    const entries = Object.entries(object).map(([key, item]) => `${safeKey(key)}: ${render(item, depth + 1, seen)}`);
    const name = object.constructor?.name;
    const prefix = name && name !== 'Object' ? `${name} ` : '';
    return `${prefix}{${entries.length === 0 ? '' : ` ${entries.join(', ')} `}}`;
  } finally {
    seen.delete(object);
  }
}

function safeKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
}

function isErrorLike(value: object): value is { name?: unknown; message?: unknown; code?: unknown } {
  return value instanceof Error || (typeof (value as { message?: unknown }).message === 'string' && 'name' in value);
}

/** `SeatUnavailableError [SEAT_UNAVAILABLE]: seat A1 is not available`; any thrown value works. */
export function describeError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return `non-error ${show(error)}`;
  const { name, message, code } = error as { name?: unknown; message?: unknown; code?: unknown };
  const label = typeof name === 'string' && name !== '' ? name : 'Error';
  const tag = typeof code === 'string' || typeof code === 'number' ? ` [${code}]` : '';
  return `${label}${tag}: ${typeof message === 'string' ? message : show(message)}`;
}

/** "resolved <value>" or "rejected <error>", for messages that read as facts. */
export function describeOutcome(outcome: Outcome<unknown>, limit: number = DEFAULT_LIMIT): string {
  return outcome.ok ? `resolved ${show(outcome.value, limit)}` : `rejected ${describeError(outcome.error)}`;
}
