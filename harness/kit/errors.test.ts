import { describe, expect, test } from 'vitest';
import { isNotImplemented, NotImplementedError, surfaceNotImplemented, toError } from './errors.ts';

describe('surfaceNotImplemented', () => {
  test('rethrows a NotImplementedError the body caught and swallowed', async () => {
    const body = () => {
      try {
        throw new NotImplementedError('isAnagram');
      } catch {
        // a check that expected a TypeError
      }
    };
    await expect(surfaceNotImplemented(body)).rejects.toThrow('isAnagram is not implemented yet');
  });

  test('prefers the NotImplementedError over the error a library wrapped it in', async () => {
    const body = () => {
      try {
        throw new NotImplementedError('publish');
      } catch (cause) {
        throw new Error('Property failed', { cause });
      }
    };
    await expect(surfaceNotImplemented(body)).rejects.toSatisfy(isNotImplemented);
  });

  test('passes through the failures of implemented code', async () => {
    await expect(surfaceNotImplemented(() => Promise.reject(new RangeError('bad')))).rejects.toThrow(RangeError);
  });

  test('returns the result of a body that touched no stub', async () => {
    await expect(surfaceNotImplemented(async () => 42)).resolves.toBe(42);
  });
});

describe('isNotImplemented', () => {
  test('recognises a serialised NotImplementedError by its code', () => {
    expect(isNotImplemented({ name: 'Error', code: 'ERR_KATA_NOT_IMPLEMENTED', message: '' })).toBe(true);
  });

  test('is false for other errors and for non-objects', () => {
    expect(isNotImplemented(new Error('x'))).toBe(false);
    expect(isNotImplemented('NotImplementedError')).toBe(false);
  });
});

describe('toError', () => {
  test('keeps an Error as it is', () => {
    const error = new TypeError('x');
    expect(toError(error)).toBe(error);
  });

  test('wraps a thrown non-error and shows it', () => {
    expect(toError({ reason: 'nope' }).message).toBe('Non-error value thrown: {"reason":"nope"}');
  });

  test('survives a value that cannot be serialised', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(toError(circular).message).toBe('Non-error value thrown: [object Object]');
  });
});
