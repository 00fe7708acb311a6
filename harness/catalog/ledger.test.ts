import { describe, expect, test } from 'vitest';
import { fakeCheck, fakeKata } from '../grader/testing/fakes.ts';
import type { ResolvedCheck } from '../kit/spec.ts';
import { buildLedger, type WrongFileEntry } from './ledger.ts';

const rules = [
  { id: 'one-hold', text: 'Exactly one concurrent reservation of a free seat succeeds.' },
  { id: 'hold-expires', text: 'A hold made at t has expired at t + holdMs.' },
];
const kata = { ...fakeKata('seats'), manifest: { ...fakeKata('seats').manifest, rules } };
const readme = 'Rules: `one-hold`, `hold-expires`.';

const proving = (id: string, ...ids: string[]): ResolvedCheck => ({ ...fakeCheck(id, 'race-conditions'), rules: ids });
const wrongFile = (name: string, violates: string | undefined, ...rejectedBy: string[]): WrongFileEntry => ({
  name,
  header: { bug: 'a bug', ...(violates === undefined ? {} : { violates }), rejectedBy },
});

const complete = {
  checks: [proving('one-winner', 'one-hold'), proving('expiry', 'hold-expires')],
  wrong: [wrongFile('racy.ts', 'one-hold', 'one-winner'), wrongFile('late.ts', 'hold-expires', 'expiry')],
};

describe('buildLedger', () => {
  test('lists each rule with the checks that prove it and the wrong files that break it', () => {
    const ledger = buildLedger(kata, complete.checks, complete.wrong, readme);
    expect(ledger).toEqual({
      slug: 'seats',
      present: true,
      rules: [
        { ...rules[0], checks: ['one-winner'], wrong: ['racy.ts'] },
        { ...rules[1], checks: ['expiry'], wrong: ['late.ts'] },
      ],
      problems: [],
    });
  });

  test('enforces nothing for a kata without a ledger', () => {
    expect(buildLedger(fakeKata('old'), [fakeCheck('x', 'api-design')], [], '').problems).toEqual([]);
  });

  test('a rule no check proves is a gap', () => {
    const ledger = buildLedger(kata, [complete.checks[0]!], complete.wrong, readme);
    expect(ledger.problems).toContain('rule hold-expires is proved by no check');
  });

  test('a rule no wrong file breaks is a gap', () => {
    const ledger = buildLedger(kata, complete.checks, [complete.wrong[0]!], readme);
    expect(ledger.problems).toEqual(['rule hold-expires is violated by no wrong/ file']);
  });

  test('a check that proves no rule is a defect', () => {
    const ledger = buildLedger(kata, [...complete.checks, proving('extra')], complete.wrong, readme);
    expect(ledger.problems).toEqual(['check extra proves no rule (give it `rules: [...]`)']);
  });

  test('a check naming a rule the manifest lacks is a defect', () => {
    const ledger = buildLedger(kata, [...complete.checks, proving('extra', 'no-such-rule')], complete.wrong, readme);
    expect(ledger.problems).toEqual(['check extra names rule no-such-rule, which kata.json does not list']);
  });

  test('a wrong file must say which rule it violates', () => {
    const ledger = buildLedger(
      kata,
      complete.checks,
      [...complete.wrong, wrongFile('vague.ts', undefined, 'expiry')],
      readme,
    );
    expect(ledger.problems).toEqual(['wrong/vague.ts has no "Violates:" line naming the rule it breaks']);
  });

  test('a wrong file must be rejected by a check that proves the rule it violates', () => {
    const ledger = buildLedger(
      kata,
      complete.checks,
      [...complete.wrong, wrongFile('odd.ts', 'one-hold', 'expiry')],
      readme,
    );
    expect(ledger.problems).toEqual([
      'wrong/odd.ts violates one-hold, but none of the checks that reject it (expiry) proves that rule',
    ]);
  });

  test('every rule id is shown in the README', () => {
    const ledger = buildLedger(kata, complete.checks, complete.wrong, 'Rules: `one-hold`.');
    expect(ledger.problems).toEqual(['rule hold-expires is not shown in README.md (as `hold-expires`)']);
  });
});
