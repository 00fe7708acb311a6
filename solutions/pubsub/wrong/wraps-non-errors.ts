/**
 * Bug: "normalises" what a handler threw before reporting it: anything that is not an Error is
 * wrapped in new Error(String(value)). onError no longer receives the value that was thrown, so a
 * caller matching on a thrown code object or string never sees it.
 * Violates: errors-reported-once
 * Rejected by: errors-reported, interleavings-match-model
 */
import { PubSub as Reference } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  protected override report(error: unknown, topic: string, payload: unknown): void {
    super.report(error instanceof Error ? error : new Error(String(error)), topic, payload);
  }
}
