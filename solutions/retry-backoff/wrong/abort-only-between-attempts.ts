/**
 * Bug: checks the signal before each attempt and hands it to sleep, but awaits fn without watching
 * it. A call that hangs keeps the aborted request hanging too: "aborted" only takes effect once
 * the service answers, which in an outage may be never.
 * Violates: abort-during-call
 * Rejected by: abort-stops-at-once
 */
import { RetryCall, type RetryOptions } from '../index.ts';

export * from '../index.ts';

class Buggy<T> extends RetryCall<T> {
  protected override async waitForAttempt(work: T | Promise<T>): Promise<T> {
    const value = await work;
    this.settings.signal?.throwIfAborted();
    return value;
  }
}

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return new Buggy(fn, options).run();
}
