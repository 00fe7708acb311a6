/**
 * A history's calls as plain data, and how an app instance performs one. This is the part of
 * histories.ts that worker threads load: it leaves out the model and fast-check, which are parsed
 * again in every thread (about 10 ms each).
 */
import { THROWN_VALUES } from './thrown.ts';
import type * as Kata from './index.ts';

/** A claim made before the history, as data: the implementation's claim and the model's token. */
export interface ClaimData {
  readonly actual: Kata.ClaimedJob;
  readonly modelToken: string;
}

export type HistoryInput = { readonly instance: string } & (
  | { readonly kind: 'enqueue'; readonly key: string; readonly payload: string; readonly priority: number }
  | { readonly kind: 'claim'; readonly workerId: string; readonly limit: number }
  | { readonly kind: 'complete' | 'release'; readonly claim: ClaimData }
  | { readonly kind: 'fail'; readonly claim: ClaimData; readonly thrown: number }
  | { readonly kind: 'replay' | 'getJob'; readonly key: string }
  | { readonly kind: 'stats' | 'listDeadLetters' | 'init' }
);

/** Calls one history operation on a queue, with a fresh thrown value for fail. */
export function performInput(queue: Kata.JobQueue, input: HistoryInput): Promise<unknown> {
  switch (input.kind) {
    case 'enqueue':
      return queue.enqueue(input.key, input.payload, { priority: input.priority });
    case 'claim':
      return queue.claim(input.workerId, input.limit);
    case 'complete':
      return queue.complete(input.claim.actual);
    case 'release':
      return queue.release(input.claim.actual);
    case 'fail':
      return queue.fail(input.claim.actual, THROWN_VALUES[input.thrown]!.make());
    case 'replay':
      return queue.replayDeadLetter(input.key);
    case 'getJob':
      return queue.getJob(input.key);
    case 'stats':
      return queue.stats();
    case 'listDeadLetters':
      return queue.listDeadLetters();
    case 'init':
      return queue.init();
  }
}
