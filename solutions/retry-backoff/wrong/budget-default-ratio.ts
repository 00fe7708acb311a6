/**
 * Bug: defaults ratio to Finagle's 20 % instead of the README's 10 %: without options the budget
 * allows twice the retries it promises.
 * Violates: budget-defaults
 * Rejected by: budget-token-bucket
 */
import { RetryBudget as CorrectRetryBudget, type RetryBudgetOptions } from '../index.ts';

export * from '../index.ts';

export class RetryBudget extends CorrectRetryBudget {
  constructor(options: RetryBudgetOptions = {}) {
    super({ ...options, ratio: options.ratio ?? 0.2 });
  }
}
