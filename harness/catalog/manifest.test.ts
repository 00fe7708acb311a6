import { describe, expect, test } from 'vitest';
import { parseManifest } from './manifest.ts';

const valid = {
  title: 'Anagram check',
  difficulty: 'easy',
  summary: 'Decide whether two strings are anagrams.',
  order: 1,
  minutes: 20,
  checklistItems: ['api-design'],
  hints: ['Count.'],
  followUps: ['What about streams?'],
};

const parse = (patch: Record<string, unknown>) => () => parseManifest({ ...valid, ...patch }, 'katas/x/kata.json');

describe('parseManifest', () => {
  test('accepts a complete manifest', () => {
    expect(parseManifest(valid, 'katas/x/kata.json')).toEqual({ ...valid, databases: ['sqlite'] });
  });

  test('databases default to SQLite alone when the manifest lists none', () => {
    expect(parseManifest(valid, 'katas/x/kata.json').databases).toEqual(['sqlite']);
  });

  test('accepts the databases a kata supports, in the order given', () => {
    expect(parseManifest({ ...valid, databases: ['sqlite', 'postgres'] }, 'katas/x/kata.json').databases).toEqual([
      'sqlite',
      'postgres',
    ]);
    expect(parseManifest({ ...valid, databases: ['postgres'] }, 'katas/x/kata.json').databases).toEqual(['postgres']);
  });

  test('rejects a database engine the kit does not have, naming the field and the value', () => {
    expect(parse({ databases: ['sqlite', 'mysql'] })).toThrow(
      'katas/x/kata.json: "databases[1]" must be one of sqlite, postgres, received "mysql"',
    );
  });

  test('rejects an empty or non-array databases list', () => {
    expect(parse({ databases: [] })).toThrow(
      '"databases" must be a non-empty array of sqlite, postgres, received an array of 0',
    );
    expect(parse({ databases: 'postgres' })).toThrow(
      '"databases" must be a non-empty array of sqlite, postgres, received "postgres"',
    );
  });

  test('rejects a database listed twice', () => {
    expect(parse({ databases: ['postgres', 'postgres'] })).toThrow('"databases[1]" lists "postgres" twice');
  });

  test('names the file, the field and the value it received', () => {
    expect(parse({ difficulty: 'expert' })).toThrow(
      'katas/x/kata.json: "difficulty" must be one of easy, medium, hard, received "expert"',
    );
  });

  test('rejects a checklist item the checklist does not have', () => {
    expect(parse({ checklistItems: ['speed'] })).toThrow(
      '"checklistItems[0]" is not a checklist item id, received "speed"',
    );
  });

  test('accepts a rule ledger', () => {
    const rules = [{ id: 'counts-letters', text: 'Each letter must appear as often in both strings.' }];
    expect(parseManifest({ ...valid, rules }, 'katas/x/kata.json').rules).toEqual(rules);
  });

  test('rejects a rule id that is not kebab-case', () => {
    expect(parse({ rules: [{ id: 'Counts Letters', text: 'x' }] })).toThrow(
      '"rules[0].id" must be a kebab-case id, received "Counts Letters"',
    );
  });

  test('rejects a rule id used twice', () => {
    expect(
      parse({
        rules: [
          { id: 'a', text: 'x' },
          { id: 'a', text: 'y' },
        ],
      }),
    ).toThrow('"rules[1].id" "a" is used by an earlier rule');
  });

  test('rejects a rule without text', () => {
    expect(parse({ rules: [{ id: 'a', text: ' ' }] })).toThrow('"rules[0].text" must be a non-empty string');
  });

  test('rejects an empty hint list', () => {
    expect(parse({ hints: [] })).toThrow('"hints" must be a non-empty array of strings, received an array of 0');
  });

  test('rejects a blank hint', () => {
    expect(parse({ hints: ['ok', ' '] })).toThrow('"hints[1]" must be a non-empty string');
  });

  test('rejects unknown fields, so typos do not pass silently', () => {
    expect(parse({ hint: ['x'] })).toThrow('unknown field "hint"');
  });

  test('rejects a missing title', () => {
    expect(parse({ title: undefined })).toThrow('"title" must be a non-empty string, received nothing');
  });

  test('rejects a non-integer order', () => {
    expect(parse({ order: 1.5 })).toThrow('"order" must be a positive integer, received 1.5');
  });

  test('rejects the same checklist item listed twice', () => {
    expect(parse({ checklistItems: ['api-design', 'api-design'] })).toThrow('lists an item twice');
  });

  test('rejects something that is not an object', () => {
    expect(() => parseManifest([], 'k.json')).toThrow('k.json: expected a JSON object, received an array of 0');
  });
});
