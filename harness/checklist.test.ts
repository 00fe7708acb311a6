import { describe, expect, test } from 'vitest';
import { categories, checklistItems, checklistTotalPoints, redFlags } from './checklist.ts';

describe('the evaluation checklist', () => {
  test('adds up to 100 points', () => {
    expect(checklistTotalPoints).toBe(100);
  });

  test('gives each category the points the question bank states', () => {
    const points = Object.fromEntries(categories.map((category) => [category.id, category.points]));
    expect(points).toEqual({
      'concurrency-integrity': 25,
      'system-design': 25,
      'scalability-performance': 20,
      'code-quality': 20,
      'advanced-topics': 10,
    });
  });

  test("sums each category's items to the category's points", () => {
    for (const category of categories) {
      const sum = checklistItems
        .filter((item) => item.category === category.id)
        .reduce((s, item) => s + item.points, 0);
      expect(sum, category.title).toBe(category.points);
    }
  });

  test('lists twenty items of five points, each with questions for the interviewer', () => {
    expect(checklistItems).toHaveLength(20);
    for (const item of checklistItems) {
      expect(item.points, item.id).toBe(5);
      expect(item.questions.length, item.id).toBeGreaterThan(0);
    }
  });

  test('keeps the five items no test can judge for the interviewer', () => {
    const interviewerOnly = checklistItems.filter((item) => item.mode === 'interviewer').map((item) => item.id);
    expect(interviewerOnly).toEqual([
      'technology-choices',
      'database-design',
      'monitoring',
      'performance-monitoring',
      'clean-code',
    ]);
  });

  test("scores testing considerations from the candidate's own tests, the interviewer's without them", () => {
    const fromTests = checklistItems.filter((item) => item.mode === 'candidate-tests').map((item) => item.id);
    expect(fromTests).toEqual(['testing']);
  });

  test('has five critical and five major red flags', () => {
    expect(redFlags.filter((flag) => flag.severity === 'critical')).toHaveLength(5);
    expect(redFlags.filter((flag) => flag.severity === 'major')).toHaveLength(5);
  });
});
