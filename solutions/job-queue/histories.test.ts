/**
 * The job-queue history check on hand-written histories: concurrent claims may pass over each
 * other's jobs (FOR UPDATE SKIP LOCKED does), but never over a job nobody takes, and never resolve
 * their jobs out of claim order. Three jobs, enqueued in order, all due at 0.
 */
import { describe, expect, test } from 'vitest';
import type { Operation } from '../../harness/kit/index.ts';
import { assertQueueLinearizable, type HistoryState } from '../../katas/job-queue/histories.ts';
import type { HistoryInput } from '../../katas/job-queue/history-input.ts';
import * as model from '../../katas/job-queue/model.ts';

const OPTIONS: model.QueueModelOptions = {
  leaseMs: 1_000,
  maxAttempts: 3,
  backoffBaseMs: 0,
  backoffCapMs: 0,
  jitter: 'none',
  random: 0.5,
};
const KEYS = ['first', 'second', 'third'];

function initial(): HistoryState {
  const queue = model.emptyQueue();
  for (const key of KEYS) model.enqueue(queue, OPTIONS, 0, key, 'p', 0, 0);
  return { queue, tokens: {} };
}

/** What a correct claim of these jobs resolves, attempt 1 each, with tokens of its own. */
function claimed(workerId: string, keys: readonly string[]) {
  return keys.map((key) => ({
    key,
    payload: 'p',
    priority: 0,
    attempt: 1,
    workerId,
    claimedAt: new Date(0),
    leaseExpiresAt: new Date(OPTIONS.leaseMs),
    token: `${workerId}-${key}`,
  }));
}

type Call = [workerId: string, limit: number, invokedAt: number, returnedAt: number, keys: readonly string[]];

function history(calls: readonly Call[]): Operation<HistoryInput, unknown>[] {
  return calls.map(([workerId, limit, invokedAt, returnedAt, keys], index) => ({
    index,
    process: workerId,
    input: { instance: workerId, kind: 'claim', workerId, limit },
    invokedAt,
    returnedAt,
    outcome: { ok: true, value: claimed(workerId, keys) },
  }));
}

const check = (calls: readonly Call[]) => () => assertQueueLinearizable(history(calls), initial(), OPTIONS, 0, {});

describe('job-queue history check: claims of several jobs', () => {
  test('accepts two concurrent claims that passed over each other (1st and 3rd, and 2nd)', () => {
    expect(
      check([
        ['w1', 2, 1, 4, ['first', 'third']],
        ['w2', 1, 2, 3, ['second']],
      ]),
    ).not.toThrow();
  });

  test('rejects the same answers when the claims did not overlap', () => {
    expect(
      check([
        ['w1', 2, 1, 2, ['first', 'third']],
        ['w2', 1, 3, 4, ['second']],
      ]),
    ).toThrow(/no order of the/);
  });

  test('accepts a claim that came back short because a concurrent claim took the rest', () => {
    expect(
      check([
        ['w1', 3, 1, 4, ['first']],
        ['w2', 2, 2, 3, ['second', 'third']],
      ]),
    ).not.toThrow();
  });

  test('rejects a claim that came back short while a job stayed due', () => {
    expect(
      check([
        ['w1', 2, 1, 4, ['first']],
        ['w2', 1, 2, 3, ['second']],
      ]),
    ).toThrow(/no order of the/);
  });

  test('rejects a claim that resolved its jobs out of claim order', () => {
    expect(check([['w1', 2, 1, 2, ['second', 'first']]])).toThrow(/no order of the/);
  });

  test('rejects two claims that took the same job', () => {
    expect(
      check([
        ['w1', 1, 1, 4, ['first']],
        ['w2', 1, 2, 3, ['first']],
      ]),
    ).toThrow(/no order of the/);
  });
});
