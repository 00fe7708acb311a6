/**
 * Bug: the budget only spends. Calls never earn tokens, so after the first 10 retries no caller
 * may ever retry again, however healthy the service and however many calls succeed.
 * Violates: budget-earns-ratio
 * Rejected by: budget-caps-retry-storm, budget-token-bucket
 */
import { RetryBudget as CorrectRetryBudget } from '../index.ts';

export * from '../index.ts';

export class RetryBudget extends CorrectRetryBudget {
  override recordCall(): void {}
}
