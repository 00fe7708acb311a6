import { describe, expect, test } from 'vitest';
import { checklistItems } from '../checklist.ts';
import { assessmentTemplate, parseAssessment } from './assessment.ts';

describe('the assessment template', () => {
  const template = JSON.parse(assessmentTemplate('alice')) as { items: Record<string, { ask: string[] }> };

  test('lists every item for the interviewer, with its questions, unscored', () => {
    // Testing considerations is the interviewer's for a candidate who wrote no tests.
    const interviewer = checklistItems.filter((item) => item.mode !== 'automated');
    expect(interviewer.map((item) => item.id)).toContain('testing');
    expect(Object.keys(template.items)).toEqual(interviewer.map((item) => item.id));
    for (const item of interviewer) expect(template.items[item.id]!.ask).toEqual(item.questions);
  });

  test('parses back as an assessment that scores nothing yet', () => {
    const parsed = parseAssessment(assessmentTemplate('alice'), 'assessment.json');
    expect(parsed.candidate).toBe('alice');
    expect([...parsed.items.values()].every((item) => item.score === null && item.notes === null)).toBe(true);
  });
});

describe('parsing an assessment', () => {
  const parse = (value: unknown) => () => parseAssessment(JSON.stringify(value), 'a.json');

  test('accepts whole and half points up to the item maximum', () => {
    const parsed = parseAssessment(
      JSON.stringify({ items: { testing: { score: 4.5 }, monitoring: { score: 0 } } }),
      'a.json',
    );
    expect(parsed.items.get('testing')?.score).toBe(4.5);
    expect(parsed.items.get('monitoring')?.score).toBe(0);
  });

  test.each([
    [{ items: { testing: { score: 6 } } }, /"items.testing.score" must be null or a number from 0 to 5, received 6/],
    [{ items: { testing: { score: -1 } } }, /from 0 to 5, received -1/],
    [{ items: { testing: { score: '4' } } }, /received "4"/],
    [{ items: { testing: { score: 3.3 } } }, /whole or half point, received 3.3/],
    [{ items: { tests: { score: 3 } } }, /unknown checklist item "tests" \(known: locking,/],
    [{ items: { testing: { score: 3, grade: 'A' } } }, /"items.testing" has an unknown field "grade"/],
    [{ items: [] }, /"items" must be an object keyed by checklist item id/],
    [{ schema: 'something/else' }, /"schema" must be "backend-katas\/assessment"/],
    [{ interviewer: 42 }, /"interviewer" must be a string, received 42/],
  ])('rejects %j, naming the field and the value', (value, message) => {
    expect(parse(value)).toThrow(message);
  });

  test('rejects text that is not JSON, naming the file', () => {
    expect(() => parseAssessment('{ nope', 'mine.json')).toThrow(/^mine.json: not valid JSON/);
  });
});
