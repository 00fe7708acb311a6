/**
 * The evaluation checklist and the red flags, as the interview question bank states them.
 *
 * This module is the single source of truth: specs name items and red flags by these ids, the
 * grader scores against these points, and docs/checklist.md is checked against it by the test suite.
 */

export type CategoryId =
  'concurrency-integrity' | 'system-design' | 'scalability-performance' | 'code-quality' | 'advanced-topics';

export type ChecklistItemId =
  | 'locking'
  | 'transactions'
  | 'race-conditions'
  | 'idempotency'
  | 'error-recovery'
  | 'technology-choices'
  | 'system-error-handling'
  | 'database-design'
  | 'api-design'
  | 'monitoring'
  | 'caching'
  | 'database-optimization'
  | 'load-balancing'
  | 'performance-monitoring'
  | 'clean-code'
  | 'type-safety'
  | 'code-error-handling'
  | 'testing'
  | 'distributed-systems'
  | 'security';

export type RedFlagId =
  | 'no-concurrency-handling'
  | 'no-error-handling'
  | 'no-justification'
  | 'security-vulnerability'
  | 'no-idempotency'
  | 'poor-database-design'
  | 'no-retry-mechanism'
  | 'no-monitoring'
  | 'hardcoded-values'
  | 'no-transaction-handling';

export type RedFlagSeverity = 'critical' | 'major';

/**
 * How an item is scored. `automated` items may be proved by spec checks; `interviewer` items are
 * never scored by a test, only from the interviewer's assessment; a `candidate-tests` item is
 * scored from the candidate's own tests run against each kata's wrong gallery when they wrote
 * tests, and otherwise by the interviewer. No spec check names an item that is not `automated`.
 */
export type ScoringMode = 'automated' | 'interviewer' | 'candidate-tests';

export interface Category {
  readonly id: CategoryId;
  readonly title: string;
  readonly points: number;
}

export interface ChecklistItem {
  readonly id: ChecklistItemId;
  readonly category: CategoryId;
  readonly title: string;
  readonly points: number;
  readonly mode: ScoringMode;
  /** Questions that let an interviewer judge the item, or probe deeper when a check fails. */
  readonly questions: readonly string[];
}

export interface RedFlag {
  readonly id: RedFlagId;
  readonly severity: RedFlagSeverity;
  readonly title: string;
  /** Why the question bank treats it as disqualifying. */
  readonly consequence: string;
}

export const categories: readonly Category[] = [
  { id: 'concurrency-integrity', title: 'Concurrency & Data Integrity', points: 25 },
  { id: 'system-design', title: 'System Design & Architecture', points: 25 },
  { id: 'scalability-performance', title: 'Scalability & Performance', points: 20 },
  { id: 'code-quality', title: 'Code Quality & Best Practices', points: 20 },
  { id: 'advanced-topics', title: 'Advanced Topics', points: 10 },
];

export const checklistItems: readonly ChecklistItem[] = [
  {
    id: 'locking',
    category: 'concurrency-integrity',
    title: 'Proper locking mechanisms',
    points: 5,
    mode: 'automated',
    questions: [
      'Which lock protects the critical section, and where does it live: the process, the database or a lock service?',
      'What happens to the lock if the holder crashes or pauses past its lease?',
    ],
  },
  {
    id: 'transactions',
    category: 'concurrency-integrity',
    title: 'Transaction handling',
    points: 5,
    mode: 'automated',
    questions: [
      'Which statements must commit together, and what does a failure halfway leave behind?',
      'What happens if the database transaction times out?',
    ],
  },
  {
    id: 'race-conditions',
    category: 'concurrency-integrity',
    title: 'Race condition prevention',
    points: 5,
    mode: 'automated',
    questions: [
      "Walk me through what happens when 1000 users click 'Subscribe' at exactly the same time.",
      'Where is the gap between the check and the write, and what closes it?',
    ],
  },
  {
    id: 'idempotency',
    category: 'concurrency-integrity',
    title: 'Idempotency implementation',
    points: 5,
    mode: 'automated',
    questions: [
      'How do you prevent a user from being charged twice if the webhook arrives while the first delivery is still being processed?',
      'How long must an idempotency record live, and what happens to a key reused with a different payload?',
    ],
  },
  {
    id: 'error-recovery',
    category: 'concurrency-integrity',
    title: 'Error recovery strategies',
    points: 5,
    mode: 'automated',
    questions: [
      "A user's payment succeeded but the database crashed before the subscription was created. How do you recover?",
      'What happens if the payment fails after the seat is reserved?',
    ],
  },
  {
    id: 'technology-choices',
    category: 'system-design',
    title: 'Justified technology choices',
    points: 5,
    mode: 'interviewer',
    questions: [
      'Why this database (or queue, or cache) for this workload, and what would make you change your mind?',
      'What are the ACID implications of your database choice for financial transactions?',
    ],
  },
  {
    id: 'system-error-handling',
    category: 'system-design',
    title: 'Proper error handling',
    points: 5,
    mode: 'automated',
    questions: [
      'What does the caller see when a dependency is down, and can it tell a retryable failure from a final one?',
      'How would you handle the notification service being down for two hours?',
    ],
  },
  {
    id: 'database-design',
    category: 'system-design',
    title: 'Database design rationale',
    points: 5,
    mode: 'interviewer',
    questions: [
      'Design a schema that handles 10M+ subscriptions with efficient querying: which tables, keys and constraints?',
      'How would you model subscription states and an audit trail of their history?',
    ],
  },
  {
    id: 'api-design',
    category: 'system-design',
    title: 'API design principles',
    points: 5,
    mode: 'automated',
    questions: [
      'Which HTTP status would each outcome of your function map to, and why?',
      'Is the operation safe to retry from the client? How does the client know?',
    ],
  },
  {
    id: 'monitoring',
    category: 'system-design',
    title: 'Monitoring considerations',
    points: 5,
    mode: 'interviewer',
    questions: [
      'Service B stops answering Service A: how do you find out, and how fast?',
      'Queues are piling up and jobs are not picked up: what alerts you, and on which metric?',
    ],
  },
  {
    id: 'caching',
    category: 'scalability-performance',
    title: 'Caching strategies',
    points: 5,
    mode: 'automated',
    questions: [
      'How do you invalidate the cache when the underlying data changes, and how stale may a read be?',
      'What would you cache in the application, and what at the CDN?',
    ],
  },
  {
    id: 'database-optimization',
    category: 'scalability-performance',
    title: 'Database optimization',
    points: 5,
    mode: 'automated',
    questions: [
      'Which indexes does the hot path use? Show me the query plan.',
      'How does this query behave with millions of rows?',
    ],
  },
  {
    id: 'load-balancing',
    category: 'scalability-performance',
    title: 'Load balancing considerations',
    points: 5,
    mode: 'automated',
    questions: [
      'Does your solution still hold with four app instances behind a load balancer?',
      'Sticky sessions or stateless instances: what does each cost here?',
    ],
  },
  {
    id: 'performance-monitoring',
    category: 'scalability-performance',
    title: 'Performance monitoring',
    points: 5,
    mode: 'interviewer',
    questions: [
      'A customer says their profile takes 2 to 3 seconds to load. What do you do first?',
      'Which latency percentiles would you track for this endpoint, and where would you measure them?',
    ],
  },
  {
    id: 'clean-code',
    category: 'code-quality',
    title: 'Clean, maintainable code',
    points: 5,
    mode: 'interviewer',
    questions: ['Walk me through the structure: what would a teammate change first, and how easy is that?'],
  },
  {
    id: 'type-safety',
    category: 'code-quality',
    title: 'Type safety',
    points: 5,
    mode: 'automated',
    questions: [
      'Which invalid states does your type design make unrepresentable, and which are still checked at run time?',
    ],
  },
  {
    id: 'code-error-handling',
    category: 'code-quality',
    title: 'Error handling',
    points: 5,
    mode: 'automated',
    questions: [
      'What does a caller receive for bad input, and does it name what was wrong?',
      'Can any failure leave state half-changed?',
    ],
  },
  {
    id: 'testing',
    category: 'code-quality',
    title: 'Testing considerations',
    points: 5,
    mode: 'candidate-tests',
    questions: [
      'How would you test this for a race you cannot reproduce by hand?',
      'Which test would have caught the bug you just fixed?',
    ],
  },
  {
    id: 'distributed-systems',
    category: 'advanced-topics',
    title: 'Distributed systems knowledge',
    points: 5,
    mode: 'automated',
    questions: [
      'When is a distributed lock with fencing tokens the right tool, and what goes wrong without the token?',
      'What does exactly-once delivery really mean here?',
    ],
  },
  {
    id: 'security',
    category: 'advanced-topics',
    title: 'Security considerations',
    points: 5,
    mode: 'automated',
    questions: [
      'How is a forged or replayed request told apart from a real one?',
      'How is one tenant kept from reading or changing another tenant’s data?',
    ],
  },
];

export const redFlags: readonly RedFlag[] = [
  {
    id: 'no-concurrency-handling',
    severity: 'critical',
    title: 'No concurrency handling',
    consequence: 'Will fail in production.',
  },
  {
    id: 'no-error-handling',
    severity: 'critical',
    title: 'No error handling',
    consequence: 'The system will crash.',
  },
  {
    id: 'no-justification',
    severity: 'critical',
    title: 'No justification for technical decisions',
    consequence: 'Choices cannot be trusted or revisited.',
  },
  {
    id: 'security-vulnerability',
    severity: 'critical',
    title: 'Security vulnerabilities',
    consequence: 'Exposed sensitive data.',
  },
  {
    id: 'no-idempotency',
    severity: 'critical',
    title: 'No idempotency',
    consequence: 'Will create duplicate records.',
  },
  {
    id: 'poor-database-design',
    severity: 'major',
    title: 'Poor database design',
    consequence: 'Will not scale.',
  },
  {
    id: 'no-retry-mechanism',
    severity: 'major',
    title: 'No retry mechanisms',
    consequence: 'Unreliable external integrations.',
  },
  {
    id: 'no-monitoring',
    severity: 'major',
    title: 'No monitoring',
    consequence: 'Cannot debug production issues.',
  },
  {
    id: 'hardcoded-values',
    severity: 'major',
    title: 'Hardcoded values',
    consequence: 'Not production-ready.',
  },
  {
    id: 'no-transaction-handling',
    severity: 'major',
    title: 'No transaction handling',
    consequence: 'Data inconsistency.',
  },
];

/** Total points of the checklist: 100 by construction of the question bank. */
export const checklistTotalPoints: number = checklistItems.reduce((sum, item) => sum + item.points, 0);

const itemsById = new Map<string, ChecklistItem>(checklistItems.map((item) => [item.id, item]));
const flagsById = new Map<string, RedFlag>(redFlags.map((flag) => [flag.id, flag]));
const categoriesById = new Map<string, Category>(categories.map((category) => [category.id, category]));

export function isChecklistItemId(value: unknown): value is ChecklistItemId {
  return typeof value === 'string' && itemsById.has(value);
}

export function isRedFlagId(value: unknown): value is RedFlagId {
  return typeof value === 'string' && flagsById.has(value);
}

export function checklistItem(id: ChecklistItemId): ChecklistItem {
  const item = itemsById.get(id);
  if (!item) throw new RangeError(`Unknown checklist item: ${JSON.stringify(id)}`);
  return item;
}

export function redFlag(id: RedFlagId): RedFlag {
  const flag = flagsById.get(id);
  if (!flag) throw new RangeError(`Unknown red flag: ${JSON.stringify(id)}`);
  return flag;
}

export function category(id: CategoryId): Category {
  const found = categoriesById.get(id);
  if (!found) throw new RangeError(`Unknown checklist category: ${JSON.stringify(id)}`);
  return found;
}
