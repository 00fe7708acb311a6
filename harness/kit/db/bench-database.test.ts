import { describe, expect, test } from 'vitest';
import { benchDatabase } from './bench-database.ts';
import type { TestDatabase } from './types.ts';

/** A stand-in database whose close takes a turn of the event loop, as a real one does. */
function fakeDatabases() {
  const events: string[] = [];
  let made = 0;
  const create = (): TestDatabase => {
    const name = `db${++made}`;
    events.push(`open ${name}`);
    return {
      close: () =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            events.push(`closed ${name}`);
            resolve();
          }, 5),
        ),
    } as unknown as TestDatabase;
  };
  return { events, create };
}

describe('benchDatabase', () => {
  test("a teardown nobody awaits cannot close or clear the next setup's database", async () => {
    const { events, create } = fakeDatabases();
    const rows = benchDatabase(create);
    // As tinybench runs a row: setup (awaited), warm-up, teardown (not awaited), setup again.
    const warmUp = await rows.open();
    rows.close();
    const measured = await rows.open();
    expect(measured).not.toBe(warmUp);
    expect(rows.current).toBe(measured);
    expect(events).toEqual(['open db1', 'closed db1', 'open db2']);
    rows.close();
    await rows.closed();
    expect(events).toEqual(['open db1', 'closed db1', 'open db2', 'closed db2']);
  });

  test('an open without a teardown before it still closes the previous database first, once', async () => {
    const { events, create } = fakeDatabases();
    const rows = benchDatabase(create);
    await rows.open();
    await rows.open();
    rows.close();
    rows.close();
    await rows.closed();
    expect(events).toEqual(['open db1', 'closed db1', 'open db2', 'closed db2']);
  });

  test('says what to do when no database is open', () => {
    expect(() => benchDatabase(fakeDatabases().create).current).toThrow(
      /no database is open \(call open\(\) in setup\)/,
    );
  });

  test('a close that failed fails the next open and closed()', async () => {
    const rows = benchDatabase(
      () => ({ close: () => Promise.reject(new Error('disk gone')) }) as unknown as TestDatabase,
    );
    await rows.open();
    rows.close();
    await expect(rows.open()).rejects.toThrow('disk gone');
    await expect(rows.closed()).rejects.toThrow('disk gone');
  });
});
