/**
 * The interviewer's assessment: the scores no test can give. `kata grade --assessment-template`
 * writes a JSON file listing every item judged by the interviewer with its questions; the
 * interviewer fills in `score` (0 to the item's points, halves allowed) and `notes`, and
 * `kata grade --assessment FILE` adds them to the scorecard.
 *
 * An automated item may be scored here too, for when no graded kata checks it (say "locking",
 * discussed at the whiteboard); a score for an item the checks did score is ignored with a warning,
 * so the number a check proved is never overwritten by hand.
 */
import { readFileSync } from 'node:fs';
import { checklistItems, isChecklistItemId, type ChecklistItemId } from '../checklist.ts';

export const ASSESSMENT_SCHEMA = 'backend-katas/assessment';
export const ASSESSMENT_VERSION = 1;

export interface ItemAssessment {
  readonly score: number | null;
  readonly notes: string | null;
}

export interface Assessment {
  readonly file: string;
  readonly candidate: string | null;
  readonly interviewer: string | null;
  readonly date: string | null;
  readonly notes: string | null;
  readonly items: ReadonlyMap<ChecklistItemId, ItemAssessment>;
}

export class AssessmentError extends Error {
  readonly code = 'ERR_KATA_ASSESSMENT';

  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'AssessmentError';
  }
}

/** Fields the template writes for the interviewer's benefit; the parser accepts and ignores them. */
const DESCRIPTIVE_ITEM_FIELDS = ['title', 'category', 'max', 'ask'];

export function parseAssessment(text: string, file: string): Assessment {
  const fail = (message: string): never => {
    throw new AssessmentError(file, message);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return fail(`not valid JSON: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('expected a JSON object');
  const record = raw as Record<string, unknown>;
  if (record.schema !== undefined && record.schema !== ASSESSMENT_SCHEMA) {
    fail(`"schema" must be "${ASSESSMENT_SCHEMA}", received ${JSON.stringify(record.schema)}`);
  }
  if (record.schemaVersion !== undefined && record.schemaVersion !== ASSESSMENT_VERSION) {
    fail(
      `"schemaVersion" ${JSON.stringify(record.schemaVersion)} is not supported (this grader reads ${ASSESSMENT_VERSION})`,
    );
  }
  const text_ = (key: string, value: unknown): string | null => {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') return fail(`"${key}" must be a string, received ${JSON.stringify(value)}`);
    return value.trim() === '' ? null : value;
  };
  const itemsRaw = record.items ?? {};
  if (typeof itemsRaw !== 'object' || itemsRaw === null || Array.isArray(itemsRaw)) {
    return fail('"items" must be an object keyed by checklist item id');
  }
  const items = new Map<ChecklistItemId, ItemAssessment>();
  for (const [key, value] of Object.entries(itemsRaw as Record<string, unknown>)) {
    const id = key as ChecklistItemId;
    if (!isChecklistItemId(key)) {
      fail(
        `"items" has an unknown checklist item "${key}" (known: ${checklistItems.map((item) => item.id).join(', ')})`,
      );
    }
    const item = checklistItems.find((candidate) => candidate.id === id)!;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return fail(`"items.${id}" must be an object with "score" and "notes"`);
    }
    const entry = value as Record<string, unknown>;
    for (const key of Object.keys(entry)) {
      if (key !== 'score' && key !== 'notes' && !DESCRIPTIVE_ITEM_FIELDS.includes(key)) {
        fail(`"items.${id}" has an unknown field "${key}" (allowed: score, notes)`);
      }
    }
    const score = entry.score ?? null;
    if (score !== null) {
      if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > item.points) {
        fail(
          `"items.${id}.score" must be null or a number from 0 to ${item.points}, received ${JSON.stringify(score)}`,
        );
      }
      if (Math.round((score as number) * 2) !== (score as number) * 2) {
        fail(`"items.${id}.score" must be a whole or half point, received ${String(score)}`);
      }
    }
    items.set(id, { score: score as number | null, notes: text_(`items.${id}.notes`, entry.notes) });
  }
  return {
    file,
    candidate: text_('candidate', record.candidate),
    interviewer: text_('interviewer', record.interviewer),
    date: text_('date', record.date),
    notes: text_('notes', record.notes),
    items,
  };
}

export function readAssessment(file: string): Assessment {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AssessmentError(file, `cannot read it: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parseAssessment(text, file);
}

/** The template: every item the interviewer judges, with its questions, unscored. */
export function assessmentTemplate(candidate = ''): string {
  const items: Record<string, unknown> = {};
  // Testing considerations too: the candidate's tests score it only when they wrote some.
  for (const item of checklistItems.filter((candidateItem) => candidateItem.mode !== 'automated')) {
    items[item.id] = {
      title: item.title,
      category: item.category,
      max: item.points,
      ask: item.questions,
      score: null,
      notes: '',
    };
  }
  return `${JSON.stringify(
    {
      schema: ASSESSMENT_SCHEMA,
      schemaVersion: ASSESSMENT_VERSION,
      help:
        'Fill in each "score" (0 to "max", halves allowed; null leaves the item unscored) and "notes", then run: kata grade --candidate DIR --assessment THIS_FILE. ' +
        'An automated item id (e.g. "locking") may be added to score an item no graded kata checks.',
      candidate,
      interviewer: '',
      date: '',
      items,
      notes: '',
    },
    null,
    2,
  )}\n`;
}
