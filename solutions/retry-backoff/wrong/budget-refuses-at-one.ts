/**
 * Bug: asks for more than one token (`tokens > 1`), so the last whole token is never spent: a
 * budget of 1 grants nothing and every budget grants one retry fewer than it holds.
 * Violates: budget-refuses-below-one
 * Rejected by: budget-token-bucket, budget-model
 */
import { RetryBudget as CorrectRetryBudget } from '../index.ts';

export * from '../index.ts';

export class RetryBudget extends CorrectRetryBudget {
  override tryAcquireRetry(): boolean {
    return this.tokens > 1 && super.tryAcquireRetry();
  }
}
