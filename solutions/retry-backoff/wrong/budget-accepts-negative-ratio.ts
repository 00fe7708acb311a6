/**
 * Bug: accepts a negative ratio (reading it as 0), so a sign error in the configuration quietly
 * turns the retry budget off instead of failing at startup.
 * Violates: budget-rejects-bad-options
 * Rejected by: rejects-bad-budget-options
 */
import { RetryBudget as CorrectRetryBudget, type RetryBudgetOptions } from '../index.ts';

export * from '../index.ts';

export class RetryBudget extends CorrectRetryBudget {
  constructor(options: RetryBudgetOptions = {}) {
    const { ratio } = options;
    super({ ...options, ratio: typeof ratio === 'number' && ratio < 0 ? 0 : ratio });
  }
}
