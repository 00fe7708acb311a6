/**
 * Shards: a batch split across machines. Candidate `name` belongs to shard 1 + (h mod n), where h
 * is the first 32 bits of the SHA-256 of the name: the same name is in the same shard on every
 * machine, whatever else the folder holds, so adding or removing a candidate moves nobody else
 * (changing n reshuffles everyone).
 */
import { createHash } from 'node:crypto';

export interface Shard {
  /** 1 to count. */
  readonly index: number;
  readonly count: number;
}

export class ShardError extends Error {
  readonly code = 'ERR_KATA_SHARD';

  constructor(message: string) {
    super(message);
    this.name = 'ShardError';
  }
}

/** More shards than any batch needs; a typo like 1/10000000 is refused rather than run. */
export const MAX_SHARDS = 1000;

/** Parses `i/n`: whole numbers with 1 <= i <= n <= MAX_SHARDS. */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (match === null) {
    throw new ShardError(`--shard must be i/n (this machine's shard i of n, e.g. 2/10), received "${text}"`);
  }
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > MAX_SHARDS) {
    throw new ShardError(`--shard ${text}: the number of shards must be 1 to ${MAX_SHARDS}`);
  }
  if (index < 1 || index > count) throw new ShardError(`--shard ${text}: the shard must be 1 to ${count}`);
  return { index, count };
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** The shard (1 to count) that candidate `name` belongs to. */
export function shardOf(name: string, count: number): number {
  const digest = createHash('sha256').update(name, 'utf8').digest();
  return (digest.readUInt32BE(0) % count) + 1;
}

export function inShard(name: string, shard: Shard): boolean {
  return shardOf(name, shard.count) === shard.index;
}

/** An entry of a list of repositories as written: trimmed, without a trailing `/` or `.git`. */
function normalEntry(line: string): string {
  return line
    .replace(/#.*$/, '')
    .trim()
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
}

/**
 * The candidate an entry of a list of repositories names, as the folder it is cloned into:
 * `owner/repo` is `repo`; a bare name is itself.
 */
export function candidateNameOf(entry: string): string {
  const normal = normalEntry(entry);
  return normal.slice(normal.lastIndexOf('/') + 1);
}

/**
 * The entries of a list (one a line; blank lines and `#` comments skipped) whose candidate falls in
 * `shard`, in the list's order, each without a trailing `/` or `.git` (so the shell's `${entry##*\/}`
 * is the candidate's folder). Two entries naming the same candidate folder are refused: their
 * checkouts would overwrite each other.
 */
export function entriesInShard(list: string, shard: Shard): string[] {
  const entries = list.split(/\r?\n/).map(normalEntry).filter(Boolean);
  const seen = new Map<string, string>();
  for (const entry of entries) {
    const name = candidateNameOf(entry);
    if (!/^([\w.-]+\/)?[\w.-]+$/.test(entry) || name === '.' || name === '..') {
      throw new ShardError(`"${entry}" does not name a repository (owner/name) or a candidate folder`);
    }
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new ShardError(`"${earlier}" and "${entry}" would both be checked out as ${name}/; rename one`);
    }
    seen.set(name, entry);
  }
  return entries.filter((entry) => inShard(candidateNameOf(entry), shard));
}
