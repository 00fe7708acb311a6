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
  const ppid = Number(fields[1]);
  const pgid = Number(fields[2]);
  const startTime = fields[19] ?? '';
  const rssPages = Number(fields[21]);
  if (!Number.isFinite(ppid) || !Number.isFinite(pgid) || !Number.isFinite(rssPages)) return undefined;
  return { pid, ppid, pgid, rssBytes: rssPages * systemPageSize(), startTime };
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
    output = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,pgid=,rss=,lstart='], { encoding: 'utf8' });
  } catch {
    return table;
  }
  for (const line of output.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const pid = Number(match[1]);
    table.set(pid, {
      pid,
      ppid: Number(match[2]),
      pgid: Number(match[3]),
      rssBytes: Number(match[4]) * 1024,
      startTime: match[5]!.trim(),
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
  /** Stops watching and SIGKILLs every process of the run seen so far that is still alive. */
  stop(): void;
}

export interface WatchOptions {
  /**
   * `NAME=value` set in the run's environment: at the end, any process still carrying it is
   * killed too. That catches what a run started and detached in between two polls, whose parent
   * then exited (the process is then nobody's descendant, in its own group), unless it was started
   * with an environment of its own.
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
      killSeen(watcher.seen);
      if (options.marker !== undefined) killMarked(options.marker);
    },
  };
}

function killSeen(seen: ReadonlyMap<number, string>): void {
  if (seen.size === 0) return;
  const table = readProcessTable();
  for (const [pid, startTime] of seen) {
    if (table.get(pid)?.startTime !== startTime) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

function killMarked(marker: string): void {
  if (!hasProc) return;
  const needle = Buffer.from(`\0${marker}\0`);
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const environ = Buffer.concat([Buffer.from('\0'), readFileSync(`/proc/${pid}/environ`), Buffer.from('\0')]);
      if (environ.includes(needle)) process.kill(pid, 'SIGKILL');
    } catch {
      // Gone, or not ours to read.
    }
  }
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
