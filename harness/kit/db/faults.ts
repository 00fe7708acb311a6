/**
 * Where faults may strike, for `injectFault({ when })`, and a helper to tell a call that settled
 * from one that never will (its instance crashed).
 */
import { clearTimeout, setTimeout } from 'node:timers';
import { USER_STATEMENT_KINDS, type StatementInfo } from './types.ts';

export const faultTargets = {
  /** Statements of the code under test that can write (the default). */
  writes: (statement: StatementInfo): boolean => USER_STATEMENT_KINDS.has(statement.kind) && !statement.readonly,
  /** Every statement of the code under test, reads included. */
  statements: (statement: StatementInfo): boolean => USER_STATEMENT_KINDS.has(statement.kind),
  /** Every statement, the kit's own BEGIN and COMMIT included: "between any two statements". */
  everything: (_statement: StatementInfo): boolean => true,
} as const;

/**
 * Waits up to `ms` of real time for `promise`: 'resolved' or 'rejected' if it settled, 'pending'
 * if not. A call of a crashed instance stays pending forever. Uses node:timers, so fake timers in
 * a spec do not stop it.
 */
export function settleWithin(promise: Promise<unknown>, ms: number): Promise<'resolved' | 'rejected' | 'pending'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('pending'), ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve('resolved');
      },
      () => {
        clearTimeout(timer);
        resolve('rejected');
      },
    );
  });
}
