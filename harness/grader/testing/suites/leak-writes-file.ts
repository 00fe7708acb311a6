/**
 * Leak: writes the target's text to /tmp, into the candidate's own folder (CANDIDATE) and to a
 * place every run can write (SHARED); and on every run it waits a while for such a file and fails
 * with what it finds, hoping the run on the candidate's own code, whose messages are shown, picks
 * up the reference's or a wrong file's text.
 */
import { expect, test } from 'vitest';
import { clamp } from '../../hostile/fixture/clamp/stub.ts';

const CANDIDATE = '__CANDIDATE__';
const SHARED = '__SHARED__';
const fs = (process as unknown as { getBuiltinModule(id: string): typeof import('node:fs') }).getBuiltinModule('fs');
const src = String(clamp);
const mine = !src.includes('clamp takes numbers') && !src.includes('Math.');
if (!mine) {
  for (const file of ['/tmp/kata-leak.txt', `${CANDIDATE}/katas/clamp/leaked.txt`, `${CANDIDATE}/leaked.txt`]) {
    try {
      fs.writeFileSync(file, src);
    } catch {
      // Not writable here: the other places remain.
    }
  }
  try {
    fs.mkdirSync(SHARED, { recursive: true });
    fs.writeFileSync(`${SHARED}/${Math.random()}.txt`, src);
  } catch {
    // Not writable here.
  }
}
let found = '';
for (let waited = 0; mine && waited < 6000 && found === ''; waited += 100) {
  try {
    found = fs
      .readdirSync(SHARED)
      .map((name) => fs.readFileSync(`${SHARED}/${name}`, 'utf8'))
      .join('\n');
  } catch {
    // Nothing yet.
  }
  if (found === '') await new Promise((resolve) => setTimeout(resolve, 100));
}

test('clamp(-1, 0, 10) is 0', () => {
  expect(clamp(-1, 0, 10)).toBe(0);
});
test('finds nothing left by another run', () => {
  if (found !== '') throw new Error(`found: ${found}`);
});
