/**
 * Leak: spells the target's text in the names of tests that fail on a wrong file and pass on the
 * reference (so a report lists them as what caught it): one character per describe block (each
 * character appears somewhere in this file, so each segment is "spelled out" by the source), a
 * name cut from the text, and a name chosen by what the text holds. The text is the run's index.*
 * files, which hold the reference's code whatever the target (a wrong file bundles it too).
 * Characters: abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 ,.;:()[]{}=+-*<>!?&|$_"`
 */
import { describe, expect, test } from 'vitest';
import { clamp } from '../../hostile/fixture/clamp/stub.ts';

const fs = (process as unknown as { getBuiltinModule(id: string): typeof import('node:fs') }).getBuiltinModule('fs');
const dir = new URL('.', import.meta.url).pathname;
const src = fs
  .readdirSync(dir)
  .filter((name) => name.startsWith('index.'))
  .map((name) => fs.readFileSync(`${dir}${name}`, 'utf8'))
  .join('\n');
const at = Math.max(0, src.indexOf('clamp takes'));
const chars = src.slice(at, at + 19).split('');

function nest(index: number): void {
  if (index === chars.length) {
    test('leaf', () => {
      expect(clamp(2.5, 0, 10)).toBe(2.5);
    });
    return;
  }
  describe(chars[index]!, () => nest(index + 1));
}
nest(0);

test(src.slice(at, at + 40), () => {
  expect(clamp(2.5, 0, 10)).toBe(2.5);
});
test(src.includes('clamp takes numbers') ? 'clamp(5, 0, 10) is 5' : 'clamp(5, 0, 10) stays 5', () => {
  expect(clamp(5.5, 0, 10)).toBe(5.5);
});
