/** What `kata test` and `kata watch` print for one run: said once, wrapped, and on screen. */
import { describe, expect, test } from 'vitest';
import { failed, fakeCheck, fakeKata, fakeRun, passed } from '../grader/testing/fakes.ts';
import { visibleLength } from '../grader/render/text.ts';
import { createPalette } from './palette.ts';
import { renderRun, type RunReportOptions } from './run-report.ts';

const kata = fakeKata('pubsub');
const palette = createPalette(false);
const options: RunReportOptions = { root: '/repo', hintsLeft: 2, invocation: 'npx kata' };
const checks = Array.from({ length: 17 }, (_, index) =>
  fakeCheck(`check-number-${index + 1}`, index % 2 === 0 ? 'race-conditions' : 'api-design'),
);

describe('a file that cannot be judged', () => {
  const finding = 'katas/pubsub/index.ts does not export a class PubSub (it exports PubSubService)';
  const run = fakeRun(
    'pubsub',
    checks.map((check) => ({ ...failed(check, finding, 'load'), seed: 5 })),
    { status: 'error', loadError: finding, loadKind: 'exports' },
  );
  const text = renderRun(kata, run, palette, options);

  test('says what is wrong once, with no check, seed or replay line', () => {
    expect(text.split('does not export a class PubSub')).toHaveLength(2);
    expect(text).not.toContain('replay:');
    expect(text).not.toContain('check-number-1');
    expect(text).toContain('none of the 17 checks could run');
  });

  test('says what to do next: export what the stub exports, then rerun', () => {
    expect(text.replace(/\s+/g, ' ')).toContain(
      'Next: export from katas/pubsub/index.ts what katas/pubsub/stub.ts exports, with the same names',
    );
    expect(text).toContain('npx kata test pubsub.');
  });
});

describe('a run with failures', () => {
  const long =
    'expected [{"kind":"publish","topic":"orders placed","payload":{"id":17,"lines":[1,2,3]}},{"kind":"finish","pick":0}] to equal what the model delivered, in order, once each (seed -1508925458, after 3 case(s), 12 shrink(s))';
  const run = fakeRun('pubsub', [
    { ...failed(checks[0]!, long), seed: -1508925458 },
    ...checks.slice(1, 12).map((check) => failed(check, `${check.id} went wrong in its own way`)),
    ...checks.slice(12).map(passed),
  ]);

  test.each([60, 100])('wraps to %i columns, indenting continuation lines, never splitting a command', (width) => {
    const lines = renderRun(kata, run, palette, { ...options, width }).split('\n');
    const command = 'npx kata test pubsub --only check-number-1 --seed=-1508925458';
    expect(lines.filter((line) => visibleLength(line) > width && !line.includes(command))).toEqual([]);
    expect(lines.some((line) => line.trim() === command || line.trim() === `replay: ${command}`)).toBe(true);
    const reason = lines.findIndex((line) => line.startsWith('        expected'));
    expect(reason).toBeGreaterThan(0);
    expect(lines[reason + 1]).toMatch(/^ {10}\S/);
  });

  test('keeps the first failure on screen in a pane 40 rows high (watch)', () => {
    const lines = renderRun(kata, run, palette, { ...options, rows: 40 }).split('\n');
    expect(lines.length).toBeLessThanOrEqual(38);
    expect(lines.join(' ').replace(/\s+/g, ' ')).toContain('(seed -1508925458, after 3 case(s), 12 shrink(s))');
    expect(lines.join('\n')).toContain('Also failing (11): check-number-3');
    expect(lines.at(-1)!).toContain('hints left');
  });

  test('says a failure repeated word for word once, pointing at the first', () => {
    const same = fakeRun('pubsub', [
      failed(checks[0]!, 'the code threw ReferenceError: seats is not defined', 'exception'),
      failed(checks[2]!, 'the code threw ReferenceError: seats is not defined', 'exception'),
    ]);
    const text = renderRun(kata, same, palette, options);
    expect(text.split('seats is not defined')).toHaveLength(2);
    expect(text).toContain('the same failure as check-number-1');
  });
});
