/**
 * Where Linux allows it (util-linux `unshare` and unprivileged user namespaces), each run starts in
 * its own user, mount, PID and network namespaces:
 *
 * - PID: when the run's first process dies, the kernel kills everything in the namespace, so no
 *   detached grandchild outlives the run or keeps its pipes open; the run sees only its own processes.
 * - network: no network at all, so nothing leaves the machine.
 * - mount: the grader's own tree is mounted read-only (specs, kit, node_modules cannot be edited)
 *   and the reference solutions are hidden behind an empty, read-only mount.
 *
 * Elsewhere the run falls back to a process group of its own, which the runner kills as a whole;
 * the grader then still copies what runs into a fresh folder and checks its own files afterwards.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';

export type IsolationMode = 'namespaces' | 'process-group';

export interface SandboxPaths {
  /** Directories the run may read but not change. */
  readonly readOnly?: readonly string[];
  /** Directories the run must not see: replaced by an empty read-only directory. */
  readonly hidden?: readonly string[];
  /**
   * A private temporary directory: `tmpRoot` (where every run's folder lives) is replaced by an
   * empty one, with only `keep` (this run's folder, writable) and `carry` (what a run needs that
   * lives there too: the packages, Node, the grader's tree, read-only) put back, so no run can read
   * or change another run's files, whichever candidate it belongs to, nor leave any for a later
   * run. `mountPoint` is an empty directory, in no folder put back, where the new directory is
   * built before it is moved over `tmpRoot`.
   */
  readonly private?: {
    readonly tmpRoot: string;
    readonly mountPoint: string;
    readonly keep?: string;
    readonly carry?: readonly string[];
  };
}

export interface LaunchCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly mode: IsolationMode;
}

const UNSHARE_FLAGS = [
  '--user',
  '--map-root-user',
  '--mount',
  '--pid',
  '--fork',
  '--kill-child',
  '--mount-proc',
  '--net',
];

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

const SHARED_SCRATCH = ['/dev/shm', '/var/tmp'];

function within(dir: string, root: string): boolean {
  const rel = relative(root, dir);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The shell script run inside the namespaces before the program: mounts, then exec. */
function mountScript(paths: SandboxPaths): string {
  const steps: string[] = [];
  const privateTmp = paths.private?.keep === undefined ? undefined : paths.private;
  const carried =
    privateTmp === undefined ? [] : putBack(privateTmp.tmpRoot, [privateTmp.keep!, ...(privateTmp.carry ?? [])]);
  // Everything else under the private temporary directory disappears with it: nothing to mount there.
  const visible = (dir: string): boolean =>
    privateTmp === undefined || !within(dir, privateTmp.tmpRoot) || carried.some((kept) => within(dir, kept));
  if (privateTmp !== undefined) {
    const { tmpRoot, mountPoint } = privateTmp;
    // Built aside, then moved over tmpRoot in one step: each folder put back is bound in at its own
    // path first, while it can still be reached.
    steps.push(`mount -t tmpfs -o size=64m,mode=1777 kata-tmp ${quote(mountPoint)}`);
    for (const dir of carried) {
      const inside = join(mountPoint, relative(tmpRoot, dir));
      steps.push(`mkdir -p ${quote(inside)}`, `mount --bind ${quote(dir)} ${quote(inside)}`);
    }
    steps.push(`mount --move ${quote(mountPoint)} ${quote(tmpRoot)}`);
    for (const dir of carried) {
      if (dir !== privateTmp.keep) steps.push(`mount -o remount,bind,ro ${quote(dir)}`);
    }
  }
  // Other folders every user may write outlive a run: a run against the gallery could leave the
  // reference's text there for a later run whose messages are shown. Each run gets its own.
  for (const dir of SHARED_SCRATCH) {
    if (!isDirectory(dir) || !visible(dir)) continue;
    steps.push(`mount -t tmpfs -o size=64m,mode=1777 kata-scratch ${quote(dir)}`);
  }
  for (const dir of paths.readOnly ?? []) {
    if (!isDirectory(dir) || !visible(dir)) continue;
    steps.push(`mount --bind ${quote(dir)} ${quote(dir)}`, `mount -o remount,bind,ro ${quote(dir)}`);
  }
  for (const dir of paths.hidden ?? []) {
    if (!isDirectory(dir) || !visible(dir)) continue;
    steps.push(`mount -t tmpfs -o ro,size=4k,mode=0555 kata-hidden ${quote(dir)}`);
  }
  steps.push('exec "$@"');
  return steps.join(' && ');
}

/**
 * The folders to put back in a private `tmpRoot`: those strictly inside it, each once, none inside
 * another (it comes along with the one that holds it).
 */
function putBack(tmpRoot: string, dirs: readonly string[]): string[] {
  const inside = [...new Set(dirs)].filter((dir) => within(dir, tmpRoot) && dir !== tmpRoot);
  return inside.filter((dir) => !inside.some((other) => other !== dir && within(dir, other)));
}

function isDirectory(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function namespaceCommand(program: string, args: readonly string[], paths: SandboxPaths): LaunchCommand {
  return {
    command: 'unshare',
    args: [...UNSHARE_FLAGS, 'sh', '-c', mountScript(paths), 'kata-sandbox', program, ...args],
    mode: 'namespaces',
  };
}

const probes = new Map<string, boolean>();

/**
 * Whether namespaces with these mounts work here. Probed once per set of paths (the run's own
 * folder aside: the probe keeps a folder of its own).
 */
export function namespacesWork(paths: SandboxPaths = {}): boolean {
  if (process.platform !== 'linux') return false;
  const key = JSON.stringify({ ...paths, private: paths.private && { ...paths.private, keep: undefined } });
  let works = probes.get(key);
  if (works === undefined) {
    let probeDir: string | undefined;
    if (paths.private !== undefined) {
      probeDir = mkdtempSync(join(paths.private.tmpRoot, 'kata-probe-'));
      paths = { ...paths, private: { ...paths.private, keep: probeDir } };
    }
    const probe = namespaceCommand(
      process.execPath,
      ['-e', 'process.exit(require("fs").readdirSync("/proc").filter((e) => /^\\d+$/.test(e)).length > 3 ? 1 : 0)'],
      paths,
    );
    const result = spawnSync(probe.command, probe.args, { stdio: 'ignore', timeout: 10_000 });
    if (probeDir !== undefined) rmSync(probeDir, { recursive: true, force: true });
    works = result.status === 0;
    probes.set(key, works);
  }
  return works;
}

export type IsolationChoice = 'auto' | IsolationMode;

/** How to start `program args` under the requested isolation; `auto` uses namespaces when they work. */
export function launchCommand(
  program: string,
  args: readonly string[],
  choice: IsolationChoice,
  paths: SandboxPaths = {},
): LaunchCommand {
  if (choice === 'namespaces' || (choice === 'auto' && namespacesWork(paths))) {
    return namespaceCommand(program, args, paths);
  }
  return { command: program, args, mode: 'process-group' };
}

/** The isolation asked for cannot host the database engine asked for. */
export class IsolationEngineError extends Error {
  readonly code = 'ERR_KATA_ISOLATION_ENGINE';

  constructor(message: string) {
    super(message);
    this.name = 'IsolationEngineError';
  }
}

/**
 * The isolation a run on `engine` gets. The namespaces have no network, not even loopback, and one
 * user, so a PostgreSQL server can be neither started nor reached from them: `auto` becomes a
 * process group (`changed` says so, for the caller to tell the user), and `namespaces` is refused.
 */
export function isolationForEngine(
  engine: 'sqlite' | 'postgres',
  choice: IsolationChoice,
): { readonly choice: IsolationChoice; readonly changed: boolean } {
  if (engine !== 'postgres' || choice === 'process-group') return { choice, changed: false };
  if (choice === 'namespaces') {
    throw new IsolationEngineError(
      'PostgreSQL cannot run in --isolation namespaces (no network there, not even loopback, for the server); use --isolation process-group',
    );
  }
  return { choice: 'process-group', changed: true };
}
