import { describe, expect, test } from 'vitest';
import { createPalette, wantsColor } from './palette.ts';

describe('colour', () => {
  test('is on for a terminal', () => {
    expect(wantsColor({ isTTY: true }, {})).toBe(true);
  });

  test('is off when output is piped', () => {
    expect(wantsColor({ isTTY: false }, {})).toBe(false);
  });

  test('is off with NO_COLOR, even on a terminal', () => {
    expect(wantsColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
  });

  test('is forced on by FORCE_COLOR when piped', () => {
    expect(wantsColor({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
  });

  test('leaves text untouched when off', () => {
    const palette = createPalette(false);
    expect(palette.fail('x') + palette.marks.pass).toBe('x✓');
  });

  test('adds escape codes when on', () => {
    expect(createPalette(true).fail('x')).toContain('\u001b[');
  });
});
