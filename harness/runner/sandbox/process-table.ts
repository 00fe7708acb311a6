/**
 * Watches the processes of each run: their total resident memory (heap, Buffers and native memory
 * alike, which `--max-old-space-size` alone does not cap) and every process a run started, so the
 * run can be stopped at its memory limit and nothing it started outlives it.
 *
 * One shared poller reads the process table every 100 ms for all runs in flight: from /proc on
 * Linux, from `ps` elsewhere. A run's processes are its root's descendants plus its process group,
 * which covers vitest's workers and anything the target spawned, detached or not, while its parent
 * lives. (Inside a PID namespace orphans are re-parented to the namespace's first process, so
 * there nothing escapes.)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly rssBytes: number;
  /** Identifies the process together with its pid, so a recycled pid is never killed by mistake. */
  readonly startTime: string;
  /** The state letter (R, S, T, Z...), where known: Z is a zombie, dead and only waiting to be reaped. */
  readonly state?: string;
}

export type ProcessTable = ReadonlyMap<number, ProcessInfo>;

export const POLL_INTERVAL_MS = 100;

let pageSize: number | undefined;

function systemPageSize(): number {
  if (pageSize === undefined) {
    try {
      pageSize = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()) || 4096;
    } catch {
      pageSize = 4096;
    }
  }
  return pageSize;
}

const hasProc = process.platform === 'linux' && existsSync('/proc/self/stat');

/** Fields of /proc/<pid>/stat after the command name, which may itself contain spaces and parentheses. */
function parseStat(pid: number, text: string): ProcessInfo | undefined {
  const close = text.lastIndexOf(')');
  if (close === -1) return undefined;
  const fields = text.slice(close + 2).split(' ');
  const state = fields[0] ?? '';
  const ppid = Number(fields[1]);
  const pgid = Number(fields[2]);
  const startTime = fields[19] ?? '';
  const rssPages = Number(fields[21]);
  if (!Number.isFinite(ppid) || !Number.isFinite(pgid) || !Number.isFinite(rssPages)) return undefined;
  return { pid, ppid, pgid, rssBytes: rssPages * systemPageSize(), startTime, state };
}

function readProcTable(): Map<number, ProcessInfo> {
  const table = new Map<number, ProcessInfo>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const info = parseStat(pid, readFileSync(`/proc/${pid}/stat`, 'utf8'));
      if (info) table.set(pid, info);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return table;
}

function readPsTable(): Map<number, ProcessInfo> {
  const table = new Map<number, ProcessInfo>();
  let output: string;
  try {
    output = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,pgid=,rss=,stat=,lstart='], { encoding: 'utf8' });
  } catch {
    return table;
  }
  for (const line of output.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const pid = Number(match[1]);
    table.set(pid, {
      pid,
      ppid: Number(match[2]),
      pgid: Number(match[3]),
      rssBytes: Number(match[4]) * 1024,
      state: match[5]!.slice(0, 1),
      startTime: match[6]!.trim(),
    });
  }
  return table;
}

export function readProcessTable(): Map<number, ProcessInfo> {
  return hasProc ? readProcTable() : readPsTable();
}

/** The processes of one run: the root's descendants and its process group. */
export function membersOf(table: ProcessTable, rootPid: number): ProcessInfo[] {
  const children = new Map<number, ProcessInfo[]>();
  for (const info of table.values()) {
    const siblings = children.get(info.ppid) ?? [];
    siblings.push(info);
    children.set(info.ppid, siblings);
  }
  const members = new Map<number, ProcessInfo>();
  const pending: number[] = [rootPid];
  for (const info of table.values()) if (info.pgid === rootPid) pending.push(info.pid);
  while (pending.length > 0) {
    const pid = pending.pop()!;
    const info = table.get(pid);
    if (info === undefined || members.has(pid)) continue;
    members.set(pid, info);
    for (const child of children.get(pid) ?? []) pending.push(child.pid);
  }
  return [...members.values()];
}

export interface WatchedRun {
  /** Largest total resident memory seen, in bytes. */
  readonly peakRssBytes: number;
  /**
   * Stops watching and ends every process of the run: when it returns, none is alive (see
   * `endRun`), within `SWEEP_LIMIT_MS`.
   */
  stop(): void;
}

export interface WatchOptions {
  /**
   * `NAME=value` set in the run's environment: at the end, any process still carrying it is
   * ended too. That catches what a run started and detached in between two polls, whose parent
   * then exited (the process is then nobody's descendant, in its own group and session), unless it
   * was started with an environment of its own.
   */
  readonly marker?: string;
  /** Called once when the run's total resident memory exceeds the limit. */
  readonly memoryLimitBytes: number;
  readonly onMemoryExceeded: (usedBytes: number) => void;
  /** Called on every poll, after the memory check, for the caller's own deadlines. */
  readonly onTick?: () => void;
}

interface Watcher {
  readonly rootPid: number;
  readonly options: WatchOptions;
  readonly seen: Map<number, string>;
  peak: number;
  exceeded: boolean;
}

const watchers = new Set<Watcher>();
let timer: ReturnType<typeof setInterval> | undefined;

function poll(): void {
  const table = readProcessTable();
  for (const watcher of [...watchers]) {
    let total = 0;
    for (const member of membersOf(table, watcher.rootPid)) {
      total += member.rssBytes;
      watcher.seen.set(member.pid, member.startTime);
    }
    watcher.peak = Math.max(watcher.peak, total);
    if (!watcher.exceeded && total > watcher.options.memoryLimitBytes) {
      watcher.exceeded = true;
      watcher.options.onMemoryExceeded(total);
    }
    watcher.options.onTick?.();
  }
}

/** Watches the run whose first process is `rootPid` (a process group leader) until `stop()`. */
export function watchRun(rootPid: number, options: WatchOptions): WatchedRun {
  const watcher: Watcher = { rootPid, options, seen: new Map(), peak: 0, exceeded: false };
  watchers.add(watcher);
  timer ??= setInterval(poll, POLL_INTERVAL_MS);
  // The grader must be able to exit while a run is being watched: the run's own handles keep it alive.
  timer.unref();
  return {
    get peakRssBytes() {
      return watcher.peak;
    },
    stop() {
      watchers.delete(watcher);
      if (watchers.size === 0 && timer !== undefined) {
        clearInterval(timer);
        timer = undefined;
      }
      endRun({ rootPid, seen: watcher.seen, ...(options.marker === undefined ? {} : { marker: options.marker }) });
    },
  };
}

/** How long `endRun` may take at most (a process that will not die, a table that keeps changing). */
export const SWEEP_LIMIT_MS = 5_000;

export interface RunProcesses {
  /** The run's first process: its descendants and its process group belong to the run. */
  readonly rootPid: number;
  /** Processes seen in the run before (pid to start time): those still alive belong to it. */
  readonly seen?: ReadonlyMap<number, string>;
  /** `NAME=value` in the run's environment: every process carrying it belongs to the run. */
  readonly marker?: string;
}

export interface EndedRun {
  /** Processes of the run that were alive and were ended. */
  readonly ended: number;
  /** Processes of the run still alive when the sweep gave up (none, unless one cannot be killed). */
  readonly left: number;
}

/**
 * Ends every process of a run, and returns only once none is alive. First it freezes them: every
 * process of the run (its root's descendants, its group, those seen before still alive, those
 * carrying the marker, and all of their descendants) is sent SIGSTOP, and the table is read again
 * until a reading finds no process of the run that was not already stopped. A stopped process
 * cannot start another (a fork under way when the signal arrives is either visible by then or
 * stops too), and it stays its children's parent, so nothing it started before can slip out of the
 * tree while the sweep looks. Then every one of them is sent SIGKILL, and the table is read until
 * none is left alive (a zombie is dead). A process of the run that detached and whose parent exited
 * before the end is found by the marker; one that also dropped the marker from its environment is
 * found only if a poll saw it (in a PID namespace the kernel ends it with the namespace).
 */
export function endRun(run: RunProcesses): EndedRun {
  const limit = performance.now() + SWEEP_LIMIT_MS;
  const known = new Map<number, string>(run.seen ?? []);
  const stopped = new Set<number>();
  const unkillable = new Set<number>();
  const killed = new Set<number>();
  const signal = (info: ProcessInfo, name: 'SIGSTOP' | 'SIGKILL'): void => {
    try {
      process.kill(info.pid, name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EPERM') unkillable.add(info.pid);
    }
  };
  // Freeze: until a reading of the table finds nothing new.
  for (;;) {
    const alive = processesOf(run, known, readProcessTable()).filter((info) => !unkillable.has(info.pid));
    const fresh = alive.filter((info) => !stopped.has(info.pid));
    if (fresh.length === 0 || performance.now() > limit) break;
    for (const info of fresh) {
      known.set(info.pid, info.startTime);
      stopped.add(info.pid);
      signal(info, 'SIGSTOP');
    }
  }
  // Kill, then wait until nothing of the run is alive.
  for (let round = 0; ; round++) {
    const alive = processesOf(run, known, readProcessTable()).filter((info) => !unkillable.has(info.pid));
    if (alive.length === 0) return { ended: killed.size, left: 0 };
    if (performance.now() > limit) return { ended: killed.size, left: alive.length };
    for (const info of alive) {
      killed.add(info.pid);
      known.set(info.pid, info.startTime);
      signal(info, 'SIGKILL');
    }
    pause(round === 0 ? 1 : 5);
  }
}

/** The live processes of a run in `table`: see `endRun`. Never the grader itself. */
function processesOf(run: RunProcesses, known: ReadonlyMap<number, string>, table: ProcessTable): ProcessInfo[] {
  const roots: ProcessInfo[] = membersOf(table, run.rootPid);
  for (const [pid, startTime] of known) {
    const info = table.get(pid);
    if (info?.startTime === startTime) roots.push(info);
  }
  if (run.marker !== undefined) {
    for (const pid of markedPids(run.marker, table)) roots.push(table.get(pid)!);
  }
  const children = new Map<number, ProcessInfo[]>();
  for (const info of table.values()) {
    const siblings = children.get(info.ppid) ?? [];
    siblings.push(info);
    children.set(info.ppid, siblings);
  }
  const found = new Map<number, ProcessInfo>();
  const pending = [...roots];
  while (pending.length > 0) {
    const info = pending.pop()!;
    if (found.has(info.pid)) continue;
    found.set(info.pid, info);
    pending.push(...(children.get(info.pid) ?? []));
  }
  return [...found.values()].filter((info) => info.pid !== process.pid && info.state !== 'Z');
}

/** The processes of `table` whose environment holds `marker` (NAME=value); none without /proc. */
function markedPids(marker: string, table: ProcessTable): number[] {
  if (!hasProc) return [];
  const needle = Buffer.from(`\0${marker}\0`);
  const marked: number[] = [];
  for (const pid of table.keys()) {
    if (pid === process.pid) continue;
    try {
      const environ = Buffer.concat([Buffer.from('\0'), readFileSync(`/proc/${pid}/environ`), Buffer.from('\0')]);
      if (environ.includes(needle)) marked.push(pid);
    } catch {
      // Gone, or not ours to read.
    }
  }
  return marked;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks for `ms` milliseconds: the sweep is synchronous, and short. */
function pause(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** SIGKILLs a whole process group; a group that is already gone is fine. */
export function killGroup(pgid: number | undefined): void {
  if (pgid === undefined) return;
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}
