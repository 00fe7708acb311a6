import { describe, expect, test } from 'vitest';
import { createManualClock, DEFAULT_CLOCK_START_MS } from './clock.ts';

describe('createManualClock', () => {
  test('starts at a fixed instant and moves only when advanced', async () => {
    const clock = createManualClock();
    expect(clock.now()).toBe(DEFAULT_CLOCK_START_MS);
    await clock.advance(1500);
    expect(clock.now()).toBe(DEFAULT_CLOCK_START_MS + 1500);
  });

  test('wakes sleepers in deadline order, each at its own deadline', async () => {
    const clock = createManualClock({ startMs: 0 });
    const woken: string[] = [];
    void clock.sleep(300).then(() => woken.push(`late@${clock.now()}`));
    void clock.sleep(100).then(() => woken.push(`early@${clock.now()}`));
    await clock.advance(200);
    expect(woken).toEqual(['early@100']);
    await clock.advance(200);
    expect(woken).toEqual(['early@100', 'late@300']);
    expect(clock.now()).toBe(400);
  });

  test('lets a woken sleeper sleep again within the same advance', async () => {
    const clock = createManualClock({ startMs: 0 });
    const times: number[] = [];
    void (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(100);
        times.push(clock.now());
      }
    })();
    await clock.advance(1000);
    expect(times).toEqual([100, 200, 300]);
  });

  test('rejects a sleep at once when its signal aborts, with the signal reason', async () => {
    const clock = createManualClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(10_000, controller.signal);
    controller.abort(new Error('caller gave up'));
    await expect(sleeping).rejects.toThrow('caller gave up');
    expect(clock.pending).toBe(0);
  });

  test('records every requested sleep', async () => {
    const clock = createManualClock();
    void clock.sleep(5);
    void clock.sleep(7);
    expect(clock.sleeps).toEqual([5, 7]);
    expect(await clock.advanceToNext()).toBe(true);
    expect(clock.pending).toBe(1);
  });

  test('rejects a negative duration with a clear error', async () => {
    const clock = createManualClock();
    await expect(clock.sleep(-1)).rejects.toThrow('sleep(ms): ms must be a non-negative number, received -1');
    await expect(clock.advance(Number.NaN)).rejects.toThrow(
      'advance(ms): ms must be a non-negative number, received NaN',
    );
  });
});
