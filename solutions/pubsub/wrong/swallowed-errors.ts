/**
 * Bug: a failing handler is caught and ignored. Delivery to the others is safe, but the error is
 * never passed to onError: in production the failure is invisible, and nobody learns that a
 * subscriber has been failing on every message for a week.
 * Violates: errors-reported-once
 * Rejected by: errors-reported, interleavings-match-model
 */
import { PubSub as Reference } from '../index.ts';

export * from '../index.ts';

export class PubSub extends Reference {
  protected override report(): void {
    // Keep going: one bad subscriber must not stop the others. (And tell nobody.)
  }
}
