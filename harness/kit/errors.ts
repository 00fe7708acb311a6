/**
 * Errors the kit raises. Each has a stable `code` so tools can classify a failure without
 * comparing messages or relying on `instanceof` across module copies.
 */

export const NOT_IMPLEMENTED = 'ERR_KATA_NOT_IMPLEMENTED';

/**
 * Every NotImplementedError ever constructed in this realm, counted on a global so that a check
 * can tell it touched an unfinished entry point even when its body caught the error (a check
 * that expects a TypeError) or a library wrapped it (fast-check's property failure).
 */
const LEDGER = Symbol.for('backend-katas.not-implemented');

interface NotImplementedLedger {
  count: number;
  last: NotImplementedError | undefined;
}

function ledger(): NotImplementedLedger {
  const holder = globalThis as { [LEDGER]?: NotImplementedLedger };
  holder[LEDGER] ??= { count: 0, last: undefined };
  return holder[LEDGER];
}

/** Thrown by every entry point of a stub. Tools show it as "not started", never as a crash. */
export class NotImplementedError extends Error {
  readonly code = NOT_IMPLEMENTED;

  constructor(entryPoint: string) {
    super(`${entryPoint} is not implemented yet`);
    this.name = 'NotImplementedError';
    const record = ledger();
    record.count++;
    record.last = this;
  }
}

/**
 * Runs `body` and rethrows the NotImplementedError it ran into, whether the body threw, caught or
 * passed: a check that touched an unfinished entry point is "not started", never passed or failed.
 */
export async function surfaceNotImplemented<T>(body: () => Promise<T> | T): Promise<T> {
  const before = ledger().count;
  const touched = (): NotImplementedError | undefined => (ledger().count > before ? ledger().last : undefined);
  let result: T;
  try {
    result = await body();
  } catch (error) {
    throw touched() ?? error;
  }
  const unfinished = touched();
  if (unfinished) throw unfinished;
  return result;
}

/** True for a NotImplementedError from any copy of the kit, or its serialised form. */
export function isNotImplemented(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    ((error as { code?: unknown }).code === NOT_IMPLEMENTED ||
      (error as { name?: unknown }).name === 'NotImplementedError')
  );
}

/** Wraps whatever an implementation threw so a report can always show a message. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  let shown: string;
  try {
    shown = typeof thrown === 'string' ? thrown : JSON.stringify(thrown);
  } catch {
    shown = String(thrown);
  }
  return new Error(`Non-error value thrown: ${shown}`, { cause: thrown });
}
