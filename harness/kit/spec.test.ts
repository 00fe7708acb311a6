import { describe, expect, test } from 'vitest';
import { collectChecks, defineSpec, type CheckDefinition } from './spec.ts';

const specWith = (...definitions: CheckDefinition[]) =>
  defineSpec<unknown>('demo', ({ check }) => {
    for (const definition of definitions) check(definition, () => {});
  });

const base: CheckDefinition = { id: 'one-winner', title: 'one winner', item: 'race-conditions' };

describe('collectChecks', () => {
  test('fills in the defaults', () => {
    expect(collectChecks(specWith(base))).toEqual([
      {
        id: 'one-winner',
        title: 'one winner',
        item: 'race-conditions',
        weight: 1,
        redFlag: undefined,
        timeoutMs: 10_000,
        rules: [],
      },
    ]);
  });

  test('runs no check body and loads no implementation', () => {
    let ran = false;
    const spec = defineSpec<unknown>('demo', ({ check }) => check(base, () => void (ran = true)));
    collectChecks(spec);
    expect(ran).toBe(false);
  });

  test('rejects an id that is not kebab-case', () => {
    expect(() => collectChecks(specWith({ ...base, id: 'One Winner' }))).toThrow('id must be kebab-case');
  });

  test('rejects an unknown checklist item', () => {
    expect(() => collectChecks(specWith({ ...base, item: 'speed' as never }))).toThrow(
      'unknown checklist item "speed"',
    );
  });

  test('rejects an unknown red flag', () => {
    expect(() => collectChecks(specWith({ ...base, redFlag: 'slow' as never }))).toThrow('unknown red flag "slow"');
  });

  test('rejects a weight that is not a positive integer', () => {
    expect(() => collectChecks(specWith({ ...base, weight: 0 }))).toThrow(
      'weight must be a positive integer, received 0',
    );
  });

  test('keeps the rules a check proves', () => {
    expect(collectChecks(specWith({ ...base, rules: ['one-hold', 'loser-unavailable'] }))[0]!.rules).toEqual([
      'one-hold',
      'loser-unavailable',
    ]);
  });

  test('rejects a rule id that is not kebab-case', () => {
    expect(() => collectChecks(specWith({ ...base, rules: ['One Hold'] }))).toThrow(
      'rule id "One Hold" must be kebab-case',
    );
  });

  test('rejects a rule named twice', () => {
    expect(() => collectChecks(specWith({ ...base, rules: ['one-hold', 'one-hold'] }))).toThrow(
      'rules names a rule twice',
    );
  });

  test('rejects the same id twice', () => {
    expect(() => collectChecks(specWith(base, base))).toThrow('check id "one-winner" is declared twice');
  });

  test('rejects a spec without checks', () => {
    expect(() => collectChecks(specWith())).toThrow('the spec declares no checks');
  });
});
