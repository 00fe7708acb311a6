/**
 * Bug: checks the cap before the deposit instead of clamping after it, so a full bucket keeps one
 * deposit too many: 100.4 tokens where the README allows 100, and a quiet hour banks a bigger
 * storm than planned.
 * Violates: budget-max-tokens
 * Rejected by: budget-token-bucket, budget-model
 */
import { RetryBudget as CorrectRetryBudget } from '../index.ts';

export * from '../index.ts';

export class RetryBudget extends CorrectRetryBudget {
  override recordCall(): void {
    if (this.balance < this.maxTokens) this.balance += this.ratio;
  }
}
