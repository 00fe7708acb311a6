/**
 * Hostile: starts detached processes that inherit stdout and stderr, at import and in every call,
 * so the output pipes stay open long after the test worker exits. Answers correctly.
 */
import { spawn } from 'node:child_process';

function linger(): void {
  try {
    spawn('sleep', ['41.5'], { detached: true, stdio: 'inherit' }).unref();
  } catch {
    // Not allowed to spawn: fine.
  }
}

linger();

export function tally(words: readonly string[]): Map<string, number> {
  linger();
  if (!Array.isArray(words)) throw new TypeError('tally expects an array');
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}
