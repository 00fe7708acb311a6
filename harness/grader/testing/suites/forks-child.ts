/**
 * Hostile: starts processes that try to outlive the run (a detached child, and one that detaches a
 * grandchild and exits at once, so the grandchild has no parent in the run), each carrying MARKER
 * in its arguments and meant to write into the candidate's folder later; then asserts the
 * examples. It must score exactly what the examples earn and leave nothing running.
 */
import { expect, test } from 'vitest';
import { clamp } from '../../hostile/fixture/clamp/stub.ts';

const MARKER = '__BASE__';
const CANDIDATE = '__CANDIDATE__';
const cp = (
  process as unknown as { getBuiltinModule(id: string): typeof import('node:child_process') }
).getBuiltinModule('child_process');
const later = `setTimeout(() => { try { require('fs').writeFileSync(${JSON.stringify(`${CANDIDATE}/late.txt`)}, 'late'); } catch {} }, 3000); setInterval(() => {}, 1000);`;
const grandchild = `require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(later)}, ${JSON.stringify(MARKER)}], { detached: true, stdio: 'ignore' }).unref();`;
try {
  cp.spawn(process.execPath, ['-e', later, MARKER], { detached: true, stdio: 'ignore' }).unref();
  cp.spawn(process.execPath, ['-e', grandchild, MARKER], { detached: true, stdio: 'ignore' }).unref();
} catch {
  // No processes here: nothing to outlive the run.
}

test('clamp(-1, 0, 10) is 0', () => {
  expect(clamp(-1, 0, 10)).toBe(0);
});
test('clamp(11, 0, 10) is 10', () => {
  expect(clamp(11, 0, 10)).toBe(10);
});
