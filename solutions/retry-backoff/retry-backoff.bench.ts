/**
 * What the retrier costs per call, beside p-retry 7 in the same run. Both are given zero delays,
 * so no timer is involved and the numbers are the bookkeeping alone: option handling, the
 * attempt loop, the abort listener, and (for failures) building the error trail.
 */
import pRetry from 'p-retry';
import { bench, describe } from 'vitest';
import { retry } from './index.ts';

const failure = Object.assign(new Error('503 Service Unavailable'), { code: 'ECONNRESET' });

/** Fails twice, then succeeds: a fresh one per call. */
function flaky(): () => string {
  let calls = 0;
  return () => {
    if (++calls < 3) throw failure;
    return 'ok';
  };
}

describe('first attempt succeeds (the overhead every call pays)', () => {
  bench('reference retry()', async () => {
    await retry(() => 'ok');
  });
  bench('p-retry 7', async () => {
    await pRetry(() => 'ok');
  });
});

describe('first attempt succeeds, with an AbortSignal', () => {
  const { signal } = new AbortController();
  bench('reference retry()', async () => {
    await retry(() => 'ok', { signal });
  });
  bench('p-retry 7', async () => {
    await pRetry(() => 'ok', { signal });
  });
});

describe('two failures, then success, zero delay', () => {
  bench('reference retry()', async () => {
    await retry(flaky(), { baseDelayMs: 0, maxDelayMs: 0 });
  });
  bench('p-retry 7', async () => {
    await pRetry(flaky(), { minTimeout: 0, maxTimeout: 0 });
  });
});
