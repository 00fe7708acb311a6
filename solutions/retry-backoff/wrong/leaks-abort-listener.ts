/**
 * Bug: never removes its abort listener. Each call leaves one behind on the signal, so a server
 * that hands one long-lived shutdown signal to every request collects a listener per request
 * (and Node's MaxListenersExceededWarning) until it runs out of memory.
 * Violates: abort-listener-removed
 * Rejected by: abort-stops-at-once, retry-model
 */
import { RetryCall, type RetryOptions } from '../index.ts';

export * from '../index.ts';

class Buggy<T> extends RetryCall<T> {
  protected override stopWatching(): void {}
}

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return new Buggy(fn, options).run();
}
