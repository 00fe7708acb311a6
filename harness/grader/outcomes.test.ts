/** How one attempt's leftovers become verdicts (harness/runner/outcomes.ts): no process needed. */
import { describe, expect, test } from 'vitest';
import { judgeAttempt, mapOutcomes, runStatus, type AttemptRecord } from '../runner/outcomes.ts';
import { canaryIntactMessage, type RawTest } from '../runner/protocol.ts';
import { fakeCheck } from './testing/fakes.ts';

const checks = [fakeCheck('first', 'api-design'), fakeCheck('second', 'api-design'), fakeCheck('third', 'api-design')];
const canary = 'canary:abc';
const pass = (name: string): RawTest => ({ name, state: 'passed', errors: [] });
const fail = (name: string, message: string, extra: Partial<RawTest['errors'][number]> = {}): RawTest => ({
  name,
  state: 'failed',
  errors: [{ name: 'AssertionError', message, ...extra }],
});
const intactCanary = fail(canary, canaryIntactMessage(canary));

function record(overrides: Partial<AttemptRecord>): AttemptRecord {
  return {
    checks,
    tests: [],
    errors: [],
    completed: true,
    canary,
    stop: undefined,
    exit: 'exit code 0',
    progress: { loading: false, loaded: true, running: undefined, started: [] },
    outputTail: '',
    peakRssBytes: 0,
    mode: 'process-group',
    ...overrides,
  };
}

const statuses = (judgement: ReturnType<typeof judgeAttempt>) =>
  Object.fromEntries([...judgement.settled].map(([id, outcome]) => [id, outcome.status]));

describe('judging an attempt', () => {
  test('counts passes when the canary failed exactly as it must', () => {
    const judgement = judgeAttempt(
      record({ tests: [pass('first'), fail('second', 'expected 1 to be 2'), pass('third'), intactCanary] }),
    );
    expect(judgement.integrity).toBe('intact');
    expect(statuses(judgement)).toEqual({ first: 'passed', second: 'failed', third: 'passed' });
  });

  test.each([
    ['passed', pass(canary), /the canary, a test that must fail, passed/],
    ['failed the wrong way', fail(canary, `${canary}: tampered: expect(1).toBe(2) passed`), /failed the wrong way/],
    ['was reported twice', intactCanary, /more than once/],
  ])('reads a canary that %s as tampering, and trusts nothing', (_how, canaryTest, detail) => {
    const tests = [pass('first'), pass('second'), pass('third'), canaryTest];
    if (_how === 'was reported twice') tests.push(intactCanary);
    const judgement = judgeAttempt(record({ tests }));
    expect(judgement.integrity).toBe('tampered');
    expect(judgement.settled.size).toBe(0);
    expect(judgement.fatal).toMatch(/no result counts: the test framework was tampered with/);
    expect(judgement.fatal).toMatch(detail);
  });

  test('reads a canary missing from a complete report as tampering', () => {
    const judgement = judgeAttempt(record({ tests: [pass('first'), pass('second'), pass('third')] }));
    expect(judgement.integrity).toBe('tampered');
  });

  test('reads a check failing with the tamper error as tampering', () => {
    const tests = [
      fail('first', 'the test framework was tampered with: expect(1).toBe(2) passed', { code: 'ERR_KATA_TAMPERED' }),
      intactCanary,
    ];
    expect(judgeAttempt(record({ tests })).integrity).toBe('tampered');
  });

  test('does not count passes from an attempt that never reached its canary', () => {
    const judgement = judgeAttempt(
      record({
        tests: [pass('first')],
        completed: false,
        stop: { kind: 'check-timeout', check: 'second', limitMs: 1000 },
        progress: { loading: false, loaded: true, running: 'second', started: ['first', 'second'] },
      }),
    );
    expect(judgement.integrity).toBe('unverified');
    expect(statuses(judgement)).toEqual({ second: 'failed' });
    expect(judgement.settled.get('second')).toMatchObject({ cause: 'timeout' });
    expect(judgement.settled.get('second')!.reason).toMatch(/did not finish within 1 s .* the process was stopped/);
  });

  test('blames the check that was running when the run went over its memory limit', () => {
    const judgement = judgeAttempt(
      record({
        completed: false,
        stop: { kind: 'memory', limitMb: 512, usedMb: 700, check: 'third' },
        progress: { loading: false, loaded: true, running: 'third', started: ['first', 'second', 'third'] },
      }),
    );
    expect(judgement.settled.get('third')).toMatchObject({ status: 'failed', cause: 'memory' });
    expect(judgement.settled.get('third')!.reason).toMatch(/used 700 MB of memory, over its 512 MB limit/);
  });

  test('blames the check that was running when the test process died', () => {
    const judgement = judgeAttempt(
      record({
        tests: [
          { name: 'first', state: 'pending', errors: [] },
          { name: 'second', state: 'pending', errors: [] },
        ],
        errors: [{ name: 'Error', message: '[vitest-pool]: Worker forks emitted error.' }],
        progress: { loading: false, loaded: true, running: 'second', started: ['first', 'second'] },
      }),
    );
    expect(statuses(judgement)).toEqual({ second: 'failed' });
    expect(judgement.settled.get('second')!.reason).toMatch(/exited in the middle of it/);
  });

  test('ends every check when the module never loaded', () => {
    const judgement = judgeAttempt(
      record({
        completed: false,
        stop: { kind: 'load-timeout', limitMs: 2000 },
        progress: { loading: true, loaded: false, running: undefined, started: [] },
      }),
    );
    expect(judgement.fatal).toMatch(/loading the module did not finish within 2 s/);
    expect(judgement.fatalCause).toBe('load');
  });

  test('turns a missing export into one load finding, kept word for word, for every check', () => {
    const shape = {
      name: 'TargetShapeError',
      message: 'katas/seats/index.ts does not export a function createSeatService (it exports makeSeats)',
      code: 'ERR_KATA_TARGET_SHAPE',
    };
    const tests = checks.map((check): RawTest => ({ name: check.id, state: 'failed', errors: [shape] }));
    const judgement = judgeAttempt(record({ tests: [...tests, intactCanary] }));
    expect(judgement.loadError).toBe(shape.message);
    expect(judgement.loadKind).toBe('exports');
    expect([...judgement.settled.values()].map((outcome) => outcome.cause)).toEqual(['load', 'load', 'load']);
  });

  test('reads a ReferenceError a check ran into as a bug of the program, not an assertion', () => {
    const error = { name: 'ReferenceError', message: 'count is not defined', at: 'katas/seats/index.ts:4' };
    const judgement = judgeAttempt(
      record({
        tests: [{ name: 'first', state: 'failed', errors: [error] }, pass('second'), pass('third'), intactCanary],
      }),
    );
    expect(judgement.settled.get('first')).toMatchObject({
      status: 'failed',
      cause: 'exception',
      reason: 'the code threw ReferenceError: count is not defined (at katas/seats/index.ts:4)',
    });
  });

  test('reads a property that threw a TypeError of the engine as a bug of the program, naming the error', () => {
    const error = {
      name: 'PropertyFailure',
      message: "Cannot read properties of undefined (reading 'size') for [0] (seed 7, after 1 case(s), 0 shrink(s))",
      causeName: 'TypeError',
    };
    const judgement = judgeAttempt(
      record({
        tests: [{ name: 'first', state: 'failed', errors: [error] }, pass('second'), pass('third'), intactCanary],
      }),
    );
    expect(judgement.settled.get('first')).toMatchObject({ cause: 'exception' });
    expect(judgement.settled.get('first')!.reason).toMatch(
      /^the code threw TypeError: Cannot read properties of undefined/,
    );
  });

  test('keeps an error the code chose to throw as an assertion about its behaviour', () => {
    const error = { name: 'TypeError', message: 'topic must be a string, received 42' };
    const judgement = judgeAttempt(
      record({
        tests: [{ name: 'first', state: 'failed', errors: [error] }, pass('second'), pass('third'), intactCanary],
      }),
    );
    expect(judgement.settled.get('first')).toMatchObject({
      cause: 'assertion',
      reason: 'TypeError: topic must be a string, received 42',
    });
  });

  test('turns a load error into a fatal verdict for every check', () => {
    const loadError = {
      name: 'TargetLoadError',
      message: 'katas/seats/index.ts failed to load: boom',
      code: 'ERR_KATA_TARGET_LOAD',
    };
    const tests = checks.map((check): RawTest => ({ name: check.id, state: 'failed', errors: [loadError] }));
    const judgement = judgeAttempt(record({ tests: [...tests, intactCanary] }));
    expect(judgement.fatal).toBe('katas/seats/index.ts failed to load: boom');
    expect(judgement.loadError).toBe('katas/seats/index.ts failed to load: boom');
  });

  test('reads a check skipped in a clean run as missing, never as a pass', () => {
    const judgement = judgeAttempt(
      record({ tests: [pass('first'), { name: 'second', state: 'skipped', errors: [] }, pass('third'), intactCanary] }),
    );
    expect(judgement.settled.get('second')).toMatchObject({ status: 'missing', reason: 'reported as skipped' });
  });

  test('names a test the spec does not declare', () => {
    const judgement = judgeAttempt(
      record({ tests: [pass('first'), pass('second'), pass('third'), pass('sneaky'), intactCanary] }),
    );
    expect(judgement.problems).toContain('the run reported an unexpected test "sneaky"');
  });

  test('reads NotImplementedError as not started, even wrapped by a property', () => {
    const wrapped = fail('first', 'Property failed: NotImplementedError: isAnagram is not implemented yet');
    const thrown = {
      name: 'second',
      state: 'failed' as const,
      errors: [{ name: 'NotImplementedError', message: 'x is not implemented yet' }],
    };
    const judgement = judgeAttempt(record({ tests: [wrapped, thrown, pass('third'), intactCanary] }));
    expect(statuses(judgement)).toEqual({ first: 'not-started', second: 'not-started', third: 'passed' });
  });
});

describe('the older single-report mapping', () => {
  test('reports a check missing from the report as missing, with the run problem', () => {
    const { outcomes } = mapOutcomes(checks, { type: 'kata-run-report', tests: [pass('first')], errors: [] }, [
      'timed out',
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['passed', 'missing', 'missing']);
    expect(outcomes[1]!.reason).toBe('not reported: timed out');
  });

  test('gives a run status', () => {
    const { outcomes } = mapOutcomes(
      checks,
      { type: 'kata-run-report', tests: checks.map((c) => pass(c.id)), errors: [] },
      [],
    );
    expect(runStatus(outcomes, [])).toBe('passed');
  });
});
