/**
 * Bug: reports tokens rounded down to whole retries. The balance itself is right, but a dashboard
 * reading 0 tokens after 9 calls at ratio 0.1 shows a dead budget that is one call from granting a
 * retry.
 * Violates: budget-initial-tokens
 * Rejected by: budget-token-bucket, budget-model
 */
import { RetryBudget as CorrectRetryBudget } from '../index.ts';

export * from '../index.ts';

export class RetryBudget extends CorrectRetryBudget {
  override get tokens(): number {
    return Math.floor(this.balance);
  }
}
