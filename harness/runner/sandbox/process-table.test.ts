/**
 * endRun: when it returns, no process of the run is alive, however it detached (issue 22). Read
 * right after it returns, never after a wait: a process SIGKILLed but not yet dead would count.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import { endRun, readProcessTable } from './process-table.ts';

const MARKER_NAME = 'KATA_TEST_MARKER';
const FOREVER = 'setInterval(() => {}, 1000);';

const INNER = `const c = require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(FOREVER)}], { detached: true, stdio: 'ignore' }); c.unref(); process.stdout.write(String(c.pid));`;

/**
 * A run's root that starts: `plain`, detached (a session of its own) with an empty environment,
 * still its child; `middle`, detached, which starts `orphan` detached and exits at once, so
 * `orphan` is nobody's descendant and carries only the marker. It prints the three pids.
 */
const ROOT = `
const { spawn } = require('child_process');
const plain = spawn(process.execPath, ['-e', ${JSON.stringify(FOREVER)}], { detached: true, stdio: 'ignore', env: {} });
const inner = ${JSON.stringify(INNER)};
const middle = spawn(process.execPath, ['-e', inner], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
let orphan = '';
middle.stdout.on('data', (chunk) => { orphan += chunk; });
middle.on('exit', () => process.stdout.write(JSON.stringify({ plain: plain.pid, middle: middle.pid, orphan: Number(orphan) }) + '\\n'));
${FOREVER}
`;

interface Started {
  readonly root: ChildProcess;
  readonly marker: string;
  readonly pids: { readonly plain: number; readonly middle: number; readonly orphan: number };
}

const started: Started[] = [];
afterEach(() => {
  // Whatever a failing test left: never a process outliving the suite.
  for (const run of started.splice(0)) {
    for (const pid of [run.root.pid!, ...Object.values(run.pids)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone.
      }
    }
  }
});

async function startRun(): Promise<Started> {
  const marker = `${MARKER_NAME}=${randomBytes(8).toString('hex')}`;
  const root = spawn(process.execPath, ['-e', ROOT], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, [MARKER_NAME]: marker.split('=')[1] },
  });
  const line = await new Promise<string>((resolve, reject) => {
    let text = '';
    root.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.split('\n')[0]!);
    });
    root.on('exit', (code) => reject(new Error(`the root exited (${code}) before it started its processes`)));
  });
  const run: Started = { root, marker, pids: JSON.parse(line) as Started['pids'] };
  started.push(run);
  return run;
}

/** Whether the process is alive: in the table, and not a zombie. */
function alive(pid: number): boolean {
  const info = readProcessTable().get(pid);
  return info !== undefined && info.state !== 'Z';
}

describe.runIf(process.platform === 'linux')('endRun', () => {
  test('a setup worth the name: the orphan is in a session of its own, its parent gone, and carries the marker', async () => {
    const run = await startRun();
    const orphan = readProcessTable().get(run.pids.orphan)!;
    expect(orphan.pgid).toBe(run.pids.orphan);
    expect(orphan.ppid).not.toBe(run.pids.middle);
    expect(alive(run.pids.middle)).toBe(false);
    expect(readFileSync(`/proc/${run.pids.orphan}/environ`, 'utf8')).toContain(run.marker);
    expect(readFileSync(`/proc/${run.pids.plain}/environ`, 'utf8')).not.toContain(run.marker);
  });

  test('the root alive: its descendants (marker or not) and the orphan with the marker are dead when it returns', async () => {
    const run = await startRun();
    expect([run.root.pid!, run.pids.plain, run.pids.orphan].map(alive)).toEqual([true, true, true]);
    const result = endRun({ rootPid: run.root.pid!, marker: run.marker });
    expect([run.root.pid!, run.pids.plain, run.pids.orphan].map(alive)).toEqual([false, false, false]);
    expect(result).toEqual({ ended: 3, left: 0 });
  });

  test("the root's group killed first (as a run ends): what a poll saw and what carries the marker are dead when it returns", async () => {
    const run = await startRun();
    const table = readProcessTable();
    const seen = new Map([run.root.pid!, run.pids.plain].map((pid) => [pid, table.get(pid)!.startTime]));
    process.kill(-run.root.pid!, 'SIGKILL');
    endRun({ rootPid: run.root.pid!, seen, marker: run.marker });
    expect([run.root.pid!, run.pids.plain, run.pids.orphan].map(alive)).toEqual([false, false, false]);
  });

  test('nothing of the run left: it returns at once, and never touches the caller', () => {
    const before = performance.now();
    expect(endRun({ rootPid: 2 ** 22 + 1, marker: `${MARKER_NAME}=none` })).toEqual({ ended: 0, left: 0 });
    expect(performance.now() - before).toBeLessThan(1000);
    expect(alive(process.pid)).toBe(true);
  });
});
