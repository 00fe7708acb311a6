/** A file that does not export what the stub exports, in the same shape, is one clear finding. */
import { describe, expect, test } from 'vitest';
import { exportShapes, shapeProblem, type ExportShape } from './exports.ts';

class PubSub {}
function retry(): void {}
const pubsubStub: ExportShape[] = exportShapes({ PubSub });
const shown = 'katas/pubsub/index.ts';

describe('comparing a module with the stub', () => {
  test('reads a class, a function and a value from a stub', () => {
    expect(exportShapes({ PubSub, retry, LIMIT: 3 })).toEqual([
      { name: 'LIMIT', kind: 'value' },
      { name: 'PubSub', kind: 'class' },
      { name: 'retry', kind: 'function' },
    ]);
  });

  test('names the missing class and what the file exports instead', () => {
    expect(shapeProblem(pubsubStub, { PubSubService: PubSub, takeFirst: retry }, shown)).toBe(
      'katas/pubsub/index.ts does not export a class PubSub (it exports PubSubService, takeFirst)',
    );
  });

  test('says an empty file exports nothing', () => {
    expect(shapeProblem(pubsubStub, {}, shown)).toBe(
      'katas/pubsub/index.ts does not export a class PubSub (it exports nothing)',
    );
  });

  test('names an export of the wrong shape', () => {
    expect(shapeProblem(pubsubStub, { PubSub: () => undefined }, shown)).toBe(
      'katas/pubsub/index.ts exports PubSub as a function that cannot be called with new, not a class',
    );
    expect(shapeProblem(exportShapes({ retry }), { retry: PubSub }, 'katas/retry-backoff/index.ts')).toBe(
      'katas/retry-backoff/index.ts exports retry as a class, not a function',
    );
  });

  test('accepts a class written as a constructor function, and extra exports', () => {
    function LegacyPubSub(this: unknown): void {}
    expect(shapeProblem(pubsubStub, { PubSub: LegacyPubSub, helper: retry }, shown)).toBeUndefined();
  });
});
