/**
 * Process-group mode (no namespaces): a process that left the run's group and dropped its marker,
 * born after the watcher's last poll, must not outlive the run (issue 22). The run ends by the
 * sweep first, while the tree is whole, then the group: killed the other way round, the group's
 * member that started it dies first, it is orphaned into a session of its own with no marker, and
 * nothing can find it any more.
 *
 * The race is forced, not hoped for, on both of its sides: the watcher's poll timer is faked and
 * never fires, so the run ends with no process of it ever seen by a poll, exactly as one born after
 * the last poll; and a group kill returns only once every process of the group is dead (the
 * kernel's delivery is otherwise a race against the sweep's first reading, which the sweep
 * sometimes wins, finding the dying member and its child still there). The
 * candidate's module starts, before it finishes loading, `member` (in the run's group, alive to
 * the end) which starts `escaper` detached (a session of its own) with an empty environment, and
 * writes the escaper's pid down; after the run returns, the table is read at once, with no wait.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { buildGraderTree } from '../../grader/hostile/fixture.ts';
import { runKata } from '../run.ts';
import { readProcessTable } from './process-table.ts';

const base = mkdtempSync(join(tmpdir(), 'kata-escape-test-'));
const root = buildGraderTree(join(base, 'tree'), ['tally']);
const pidFile = join(base, 'escaper.pid');
const killLater: number[] = [];
afterAll(() => {
  // Whatever a failing test left: never a process outliving the suite.
  for (const pid of killLater) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone.
    }
  }
  rmSync(base, { recursive: true, force: true });
});

const FOREVER = 'setInterval(() => {}, 1000);';
/** In the run's group, alive to the end: starts the escaper in a session of its own, with no marker. */
const MEMBER = `const escaper = require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(FOREVER)}], { detached: true, stdio: 'ignore', env: {} }); process.stdout.end(String(escaper.pid)); ${FOREVER}`;
/** Starts the member (not detached: the run's group) and prints what it printed, then exits. */
const LAUNCHER = `const member = require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(MEMBER)}], { stdio: ['ignore', 'pipe', 'ignore'] }); let text = ''; member.stdout.on('data', (chunk) => { text += chunk; }); member.stdout.on('end', () => process.stdout.write(text, () => process.exit(0)));`;

const CANDIDATE = `import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

writeFileSync(${JSON.stringify(pidFile)}, execFileSync(process.execPath, ['-e', ${JSON.stringify(LAUNCHER)}], { encoding: 'utf8' }));

export function tally(words: readonly string[]): Map<string, number> {
  if (!Array.isArray(words)) throw new TypeError('tally expects an array');
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}
`;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks until no process of group `pgid` is alive (a zombie is dead: its children are re-parented). */
function waitUntilGroupDead(pgid: number): void {
  const limit = performance.now() + 5_000;
  while (performance.now() < limit) {
    const members = [...readProcessTable().values()].filter((info) => info.pgid === pgid && info.state !== 'Z');
    if (members.length === 0) return;
    Atomics.wait(sleeper, 0, 0, 1);
  }
}

function alive(pid: number): boolean {
  const info = readProcessTable().get(pid);
  return info !== undefined && info.state !== 'Z';
}

describe.runIf(process.platform === 'linux')('a run in a process group', () => {
  test('ends the process that left the group without the marker after the last poll, before it returns', async () => {
    const kataDir = join(root, 'katas', 'tally');
    mkdirSync(kataDir, { recursive: true });
    const targetFile = join(kataDir, 'index.ts');
    writeFileSync(targetFile, CANDIDATE);
    // The watcher's poll never fires: no process of the run is ever seen by one.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    // A group kill takes effect before it returns.
    const kill = process.kill.bind(process);
    const spy = vi.spyOn(process, 'kill').mockImplementation((pid: number, signal?: string | number) => {
      const sent = kill(pid, signal);
      if (pid < 0 && signal === 'SIGKILL') waitUntilGroupDead(-pid);
      return sent;
    });
    let run: Awaited<ReturnType<typeof runKata>>;
    try {
      run = await runKata('tally', targetFile, { root, isolation: 'process-group', canary: true });
    } finally {
      vi.useRealTimers();
      spy.mockRestore();
    }
    const escaper = Number(readFileSync(pidFile, 'utf8'));
    killLater.push(escaper);
    const escaped = alive(escaper);
    expect(run.status, JSON.stringify(run.outcomes.map((o) => [o.check.id, o.status, o.reason]))).toBe('passed');
    expect(run.isolation).toBe('process-group');
    // No poll ran: a reading would have measured the run's memory.
    expect(run.peakMemoryBytes).toBe(0);
    expect(Number.isInteger(escaper) && escaper > 0).toBe(true);
    expect(escaped, `the escaper (pid ${escaper}) outlived the run`).toBe(false);
  }, 60_000);
});
