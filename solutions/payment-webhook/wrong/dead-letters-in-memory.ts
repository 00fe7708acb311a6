/**
 * Bug: keeps the dead-letter queue in the handler's memory (a Map the operator's dashboard reads),
 * while the database only marks the event dead. Another instance, or this one after a restart,
 * lists an empty queue and cannot replay anything: the dead-lettered payments are stuck for ever.
 * Violates: dead-letter-in-database
 * Rejected by: state-across-instances
 */
import {
  DeadLetterNotFoundError,
  WebhookProcessor,
  type DeadLetter,
  type Lease,
  type PaymentWebhookOptions,
  type WebhookResult,
} from '../index.ts';

export { DeadLetterNotFoundError, InvalidWebhookError } from '../index.ts';

class DeadLettersInMemory extends WebhookProcessor {
  private readonly queue = new Set<string>();

  protected override async deadLetter(lease: Lease, failures: number, lastError: string): Promise<WebhookResult> {
    const result = await super.deadLetter(lease, failures, lastError);
    this.queue.add(lease.key);
    return result;
  }

  override async listDeadLetters(): Promise<DeadLetter[]> {
    return (await super.listDeadLetters()).filter((letter) => this.queue.has(letter.idempotencyKey));
  }

  override async replayDeadLetter(idempotencyKey: string): Promise<WebhookResult> {
    if (!this.queue.delete(idempotencyKey)) throw new DeadLetterNotFoundError(idempotencyKey);
    return super.replayDeadLetter(idempotencyKey);
  }
}

export const createPaymentWebhookHandler = (options: PaymentWebhookOptions) => DeadLettersInMemory.open(options);
