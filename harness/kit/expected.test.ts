import { describe, expect, test } from 'vitest';
import { expectError, expectValue, outcomeDifference, satisfies, valueDifference } from './expected.ts';
import { describeOutcome, show } from './outcome.ts';

class SeatUnavailableError extends Error {
  readonly code = 'SEAT_UNAVAILABLE';
  constructor(readonly seatId: string) {
    super(`seat ${seatId} is not available`);
    this.name = 'SeatUnavailableError';
  }
}

const ok = (value: unknown) => ({ ok: true as const, value });
const failed = (error: unknown) => ({ ok: false as const, error });
const classes = { SeatUnavailableError };

describe('comparing a result in full', () => {
  test('compares Dates by their time, and requires a Date', () => {
    const at = new Date(Date.UTC(2026, 0, 1));
    expect(valueDifference({ at: new Date(at.getTime()) }, { at })).toBeUndefined();
    expect(valueDifference({ at: at.getTime() }, { at })).toContain('expected the Date');
    expect(valueDifference({ at: new Date(at.getTime() + 1) }, { at })).toContain(
      'the value.at is Date(2026-01-01T00:00:00.001Z)',
    );
  });

  test('allows extra fields only when they hold nothing', () => {
    expect(valueDifference({ status: 'available', holder: null }, { status: 'available' })).toBeUndefined();
    expect(valueDifference({ status: 'available', holder: 'u1' }, { status: 'available' })).toContain(
      'has a field holder',
    );
  });

  test('matches what the model cannot predict with a predicate', () => {
    const anyId = satisfies('a non-empty string', (value) => typeof value === 'string' && value !== '');
    expect(valueDifference({ id: 'r-1' }, { id: anyId })).toBeUndefined();
    expect(valueDifference({ id: '' }, { id: anyId })).toBe('the value.id is "", expected a non-empty string');
  });

  test('compares arrays item by item', () => {
    expect(valueDifference([1, 2], [1, 2])).toBeUndefined();
    expect(valueDifference([1, 3], [1, 2])).toBe('the value[1] is 3, expected 2');
    expect(valueDifference([1], [1, 2])).toContain('has 1 item(s), expected 2');
  });
});

describe('comparing an error in full', () => {
  test('checks the class, the code, the fields and what the message mentions', () => {
    const expected = expectError('SeatUnavailableError', { code: 'SEAT_UNAVAILABLE', fields: { seatId: 'A1' } });
    expect(outcomeDifference(failed(new SeatUnavailableError('A1')), expected, classes)).toBeUndefined();
    expect(outcomeDifference(failed(new SeatUnavailableError('B2')), expected, classes)).toContain(
      'the error\'s seatId is "B2"',
    );
    expect(outcomeDifference(failed(new Error('no')), expected, classes)).toContain(
      'rejected Error: no, expected SeatUnavailableError',
    );
    const fake = Object.assign(new Error('seat A1 is not available'), {
      name: 'SeatUnavailableError',
      code: 'SEAT_UNAVAILABLE',
      seatId: 'A1',
    });
    expect(outcomeDifference(failed(fake), expected, classes)).toContain('expected SeatUnavailableError');
  });

  test('built-in errors need no class map; messages must mention what was wrong', () => {
    const expected = expectError('TypeError', { mentions: ['seatId', /received 42|number/] });
    expect(outcomeDifference(failed(new TypeError('seatId must be a string, received 42')), expected)).toBeUndefined();
    expect(outcomeDifference(failed(new TypeError('bad input')), expected)).toContain(
      'the message should mention "seatId"',
    );
    expect(outcomeDifference(failed(new RangeError('seatId: received 42')), expected)).toContain('expected TypeError');
  });

  test('a resolution where a rejection was expected, and the other way round', () => {
    expect(outcomeDifference(ok(true), expectError('TypeError'))).toBe(
      'resolved true, expected to reject with TypeError',
    );
    expect(outcomeDifference(failed('boom'), expectValue(1))).toBe('rejected non-error "boom", expected to resolve 1');
  });
});

describe('describing outcomes', () => {
  test('reads as a fact', () => {
    expect(describeOutcome(ok({ at: new Date(0), n: 1n }))).toBe(
      'resolved { at: Date(1970-01-01T00:00:00.000Z), n: 1n }',
    );
    expect(describeOutcome(failed(new SeatUnavailableError('A1')))).toBe(
      'rejected SeatUnavailableError [SEAT_UNAVAILABLE]: seat A1 is not available',
    );
    expect(show('x'.repeat(300), 20)).toHaveLength(20);
  });
});
