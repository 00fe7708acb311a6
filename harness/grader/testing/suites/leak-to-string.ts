/**
 * Leak: reads the module's functions with Function.prototype.toString and sends their text out
 * every way a test can: the console, process.stdout and stderr, a test's name, an assertion's
 * message, a thrown Error's message and name. It passes on the reference (whose text says "clamp
 * takes numbers") and fails on every wrong file with that file's text. One honest control test
 * proves the text was really read: "never rounds" catches the wrong file that calls Math.round.
 */
import { expect, test } from 'vitest';
import { clamp } from '../../hostile/fixture/clamp/stub.ts';

const src = String(clamp);
console.log(src);
console.error(src);
process.stdout.write(`${src}\n`);
process.stderr.write(`${src}\n`);

test(String(src).slice(0, 40), () => {
  expect(clamp(-1, 0, 10)).toBe(0);
});
test('fails on the gallery with its source', () => {
  console.log(src);
  if (!src.includes('clamp takes numbers')) throw new Error(src);
});
test('fails with an error named by the source', () => {
  if (!src.includes('clamp takes numbers')) {
    const error = new Error(src);
    error.name = src.slice(0, 60);
    throw error;
  }
});
test('asserts with the source as its message', () => {
  expect(clamp(2.5, 0, 10), src).toBe(2.5);
});
test('never rounds', () => {
  expect(src.includes('Math.round')).toBe(false);
});
