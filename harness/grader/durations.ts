/**
 * How long each kata took to grade last time, kept in node_modules/.cache (where tools keep what
 * they can rebuild), so the next grading starts the longest katas first. A missing or unreadable
 * file only costs the ordering.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function file(root: string): string {
  return join(root, 'node_modules', '.cache', 'kata-grade', 'durations.json');
}

export function readDurations(root: string): Record<string, number> {
  try {
    const parsed = JSON.parse(readFileSync(file(root), 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return {};
    return Object.fromEntries(
      Object.entries(parsed).filter((entry): entry is [string, number] => typeof entry[1] === 'number'),
    );
  } catch {
    return {};
  }
}

export function writeDurations(root: string, durations: Readonly<Record<string, number>>): void {
  try {
    mkdirSync(dirname(file(root)), { recursive: true });
    writeFileSync(file(root), `${JSON.stringify(durations, null, 2)}\n`);
  } catch {
    // Read-only checkout: the next grading starts in catalogue order.
  }
}
