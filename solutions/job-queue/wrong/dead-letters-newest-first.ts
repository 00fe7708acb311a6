/**
 * Bug: listDeadLetters puts the newest first; the README's order is oldest first (ties by
 * enqueue order), which is the order an operator replays them in.
 * Violates: list-dead-letters
 * Rejected by: dead-letters-across-instances
 */
import { SqliteJobQueue, type DeadLetter } from '../index.ts';
import { factoryFor } from '../wrong-base.ts';

export * from '../index.ts';

class NewestFirst extends SqliteJobQueue {
  override async listDeadLetters(): Promise<DeadLetter[]> {
    return (await super.listDeadLetters()).reverse();
  }
}

export const createJobQueue = factoryFor(NewestFirst);
