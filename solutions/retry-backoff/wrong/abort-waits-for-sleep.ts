/**
 * Bug: leaves aborting a sleep to the sleep itself. A sleep that ignores its signal (a plain
 * setTimeout wrapper, a scheduler that only wakes on time) keeps the aborted request hanging for
 * the whole backoff.
 * Violates: abort-during-sleep
 * Rejected by: abort-stops-at-once
 */
import { RetryCall, type RetryOptions } from '../index.ts';

export * from '../index.ts';

class Buggy<T> extends RetryCall<T> {
  protected override async waitForSleep(work: Promise<void>): Promise<void> {
    await work;
    this.settings.signal?.throwIfAborted();
  }
}

export async function retry<T>(fn: (attempt: number) => T | Promise<T>, options: RetryOptions = {}): Promise<T> {
  return new Buggy(fn, options).run();
}
