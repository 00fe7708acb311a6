import { describe, expect, test } from 'vitest';
import { parseWrongHeader } from './wrong-header.ts';

describe('parseWrongHeader', () => {
  test('reads a multi-line bug and the checks that reject it', () => {
    const source = `/**\n * Bug: sorts code units\n * without normalising.\n * Rejected by: normalization-forms, combining-marks\n */\nexport {};\n`;
    expect(parseWrongHeader(source, 'w.ts')).toEqual({
      bug: 'sorts code units without normalising.',
      rejectedBy: ['normalization-forms', 'combining-marks'],
    });
  });

  test('reads the one rule the file violates', () => {
    const source = `/**\n * Bug: sorts code units.\n * Violates: normalization-forms-equal\n * Rejected by: normalization-forms\n */\n`;
    expect(parseWrongHeader(source, 'w.ts')).toEqual({
      bug: 'sorts code units.',
      violates: 'normalization-forms-equal',
      rejectedBy: ['normalization-forms'],
    });
  });

  test('names exactly one violated rule', () => {
    const source = `/**\n * Bug: x\n * Violates: a, b\n * Rejected by: c\n */\n`;
    expect(() => parseWrongHeader(source, 'w.ts')).toThrow(
      '"Violates:" must name exactly one rule id (kebab-case), received "a, b"',
    );
  });

  test('requires the header to open the file', () => {
    expect(() => parseWrongHeader('export {};\n/** Bug: x\n Rejected by: y */', 'w.ts')).toThrow(
      'w.ts: must open with a /** ... */ comment naming the bug',
    );
  });

  test('requires a Bug line', () => {
    expect(() => parseWrongHeader('/**\n * Rejected by: a\n */', 'w.ts')).toThrow('header has no "Bug:" line');
  });

  test('requires at least one rejecting check', () => {
    expect(() => parseWrongHeader('/**\n * Bug: x\n * Rejected by:\n */', 'w.ts')).toThrow(
      '"Rejected by:" names no check',
    );
  });
});
