/**
 * Bug: spends a token by truncating the balance to whole tokens first, so 10.9 tokens buy one
 * retry and leave 9: every retry throws away the fraction that calls had earned.
 * Violates: budget-spends-one
 * Rejected by: budget-token-bucket, budget-model
 */
import { RetryBudget as CorrectRetryBudget } from '../index.ts';

export * from '../index.ts';

export class RetryBudget extends CorrectRetryBudget {
  override tryAcquireRetry(): boolean {
    if (!super.tryAcquireRetry()) return false;
    this.balance = Math.floor(this.balance);
    return true;
  }
}
