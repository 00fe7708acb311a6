/**
 * Compares what a call did with what the model says it must do, in full: a change resolves to
 * undefined; `can` answers the boolean; an explanation has exactly its fields, names a rule that
 * matches, as written, and a real inheritance path; an audit log equals the model's entry for entry;
 * an error has its class, code, documented fields and the names its message must carry.
 *
 * Errors that crossed a thread boundary arrive as `{ name, message, code }`: with no `classes` to
 * check them against, they are judged by name, code and message alone.
 */
import { describeError, show, valueDifference, type Outcome } from '../../harness/kit/index.ts';
import { ERROR_CODES, type Decision, type Expectation, type Failure, type ModelEntry } from './model.ts';

export type ErrorClasses = Readonly<Record<string, unknown>>;

export interface JudgeOptions {
  /** The module's exports, for `instanceof`; omitted for errors serialized across threads. */
  readonly classes?: ErrorClasses;
  /**
   * Rejected entries may sit anywhere after the decision they record (an implementation may write
   * them after rolling back), so in concurrent histories only applied entries are held to the
   * model's order; rejected ones must all be there.
   */
  readonly rejectedInAnyOrder?: boolean;
}

/** Why `actual` is not what `expected` allows, or undefined when it is. */
export function outcomeProblem(
  actual: Outcome<unknown>,
  expected: Expectation,
  options: JudgeOptions = {},
): string | undefined {
  switch (expected.kind) {
    case 'resolves':
      if (!actual.ok) return `rejected ${describeError(actual.error)}, expected to resolve to undefined`;
      return actual.value === undefined ? undefined : `resolved ${show(actual.value)}, expected undefined`;
    case 'decision':
      if (!actual.ok) return `rejected ${describeError(actual.error)}, expected ${describeDecision(expected.decision)}`;
      return expected.method === 'can'
        ? actual.value === expected.decision.granted
          ? undefined
          : `answered ${show(actual.value)}, expected ${expected.decision.granted} (${describeDecision(expected.decision)})`
        : explanationProblem(actual.value, expected.decision);
    case 'log':
      if (!actual.ok) return `rejected ${describeError(actual.error)}, expected ${expected.entries.length} entries`;
      return logProblem(actual.value, expected.entries, options.rejectedInAnyOrder ?? false);
    case 'fails':
      if (actual.ok)
        return `resolved ${show(actual.value)}, expected to reject with ${describeFailure(expected.failure)}`;
      return errorProblem(actual.error, expected.failure, options.classes);
  }
}

export function describeDecision(decision: Decision): string {
  const named = decision.candidates.map(({ role, rule }) => `${role}: ${rule}`).join(' or ');
  return `${decision.reason}${named === '' ? '' : ` by ${named}`}`;
}

export function describeFailure(failure: Failure): string {
  switch (failure.kind) {
    case 'argument':
      return `a TypeError or RangeError naming ${failure.argument} and the value received (${show(failure.received)})`;
    case 'unknown-tenant':
      return `UnknownTenantError [${ERROR_CODES.unknownTenant}] for tenant ${show(failure.tenant)}`;
    case 'unknown-role':
      return `UnknownRoleError [${ERROR_CODES.unknownRole}] for role ${failure.roles.map((role) => show(role)).join(' or ')}`;
    case 'cycle':
      return `RoleCycleError [${ERROR_CODES.cycle}] for role ${show(failure.role)}`;
    case 'tenant-exists':
      return `TenantExistsError [${ERROR_CODES.tenantExists}] for tenant ${show(failure.tenant)}`;
  }
}

/** Why the value is not an explanation the decision allows, or undefined when it is one. */
export function explanationProblem(value: unknown, decision: Decision): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `answered ${show(value)}, expected an explanation (${describeDecision(decision)})`;
  }
  const explanation = value as Record<string, unknown>;
  const fields =
    decision.reason === 'no-roles' || decision.reason === 'no-matching-rule'
      ? ['granted', 'reason']
      : ['granted', 'reason', 'role', 'rule', 'path'];
  const extra = Object.keys(explanation).filter(
    (key) => !fields.includes(key) && explanation[key] !== undefined && explanation[key] !== null,
  );
  if (extra.length > 0)
    return `answered ${show(value)}, which has a field ${extra[0]} a ${decision.reason} explanation does not have`;
  if (explanation['granted'] !== decision.granted || explanation['reason'] !== decision.reason) {
    return `answered ${show(value)}, expected granted ${decision.granted}, reason ${show(decision.reason)} (${describeDecision(decision)})`;
  }
  if (fields.length === 2) return undefined;
  const { role, rule, path } = explanation;
  if (!decision.candidates.some((candidate) => candidate.role === role && candidate.rule === rule)) {
    return `answered ${show(value)}, but ${show(role)} holds no ${decision.reason === 'denied' ? 'deny' : 'allow'} rule ${show(rule)} matching it among the user's roles (expected one of: ${describeDecision(decision)})`;
  }
  if (!Array.isArray(path) || path.length === 0 || path.some((entry) => typeof entry !== 'string')) {
    return `answered ${show(value)}, whose path is not a non-empty array of role names`;
  }
  if (!decision.held.includes(path[0] as string)) {
    return `answered ${show(value)}: the path starts at ${show(path[0])}, which the user does not hold (holds ${show(decision.held)})`;
  }
  if (path.at(-1) !== role)
    return `answered ${show(value)}: the path ends at ${show(path.at(-1))}, not at the role ${show(role)}`;
  for (let index = 0; index + 1 < path.length; index++) {
    if (!(decision.links.get(path[index] as string) ?? []).includes(path[index + 1] as string)) {
      return `answered ${show(value)}: ${show(path[index])} does not inherit ${show(path[index + 1])}`;
    }
  }
  return undefined;
}

function logProblem(value: unknown, entries: readonly ModelEntry[], rejectedInAnyOrder: boolean): string | undefined {
  if (!Array.isArray(value)) return `answered ${show(value)}, expected an array of ${entries.length} entries`;
  if (!rejectedInAnyOrder) {
    if (value.length !== entries.length) {
      return `returned ${value.length} entries, expected ${entries.length}: ${describeEntries(value)} instead of ${describeEntries(entries)}`;
    }
    for (let index = 0; index < entries.length; index++) {
      const difference = valueDifference(value[index], entries[index], `entry ${index + 1}`);
      if (difference !== undefined) return `${difference} (the log: ${describeEntries(value)})`;
    }
    return undefined;
  }
  const applied = (list: readonly unknown[]) =>
    list.filter((entry) => (entry as { outcome?: unknown } | null)?.outcome === 'applied');
  const difference = valueDifference(applied(value), applied(entries), 'the applied entries');
  if (difference !== undefined) return `${difference} (the log: ${describeEntries(value)})`;
  const canonical = (list: readonly unknown[]) =>
    list
      .filter((entry) => (entry as { outcome?: unknown } | null)?.outcome !== 'applied')
      .map((entry) =>
        JSON.stringify(
          Object.entries((entry ?? {}) as Record<string, unknown>)
            .filter(([, field]) => field !== undefined && field !== null)
            .sort(([a], [b]) => (a < b ? -1 : 1)),
        ),
      )
      .sort();
  const rejectedActual = canonical(value);
  const rejectedExpected = canonical(entries);
  if (JSON.stringify(rejectedActual) !== JSON.stringify(rejectedExpected)) {
    return `its rejected entries are ${rejectedActual.join(', ') || 'none'}, expected ${rejectedExpected.join(', ') || 'none'}`;
  }
  return undefined;
}

export function describeEntries(entries: readonly unknown[]): string {
  if (entries.length === 0) return '[]';
  return entries
    .map((entry) => {
      const { action, outcome, role, userId } = (entry ?? {}) as Record<string, unknown>;
      const subject = [role, userId].filter((part) => part !== undefined).map((part) => show(part));
      return `${String(action)}${subject.length > 0 ? `(${subject.join(', ')})` : ''}/${String(outcome)}`;
    })
    .join(', ');
}

/** Why the thrown value is not the failure the model expects, or undefined when it is. */
export function errorProblem(error: unknown, failure: Failure, classes: ErrorClasses | undefined): string | undefined {
  const wanted = describeFailure(failure);
  const got = `rejected ${describeError(error)}`;
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const message = typeof record['message'] === 'string' ? record['message'] : '';
  if (failure.kind === 'argument') {
    const builtIn =
      classes === undefined
        ? record['name'] === 'TypeError' || record['name'] === 'RangeError'
        : error instanceof TypeError || error instanceof RangeError;
    if (!builtIn) return `${got}, expected ${wanted}`;
    const named =
      namesArgument(message, failure.argument) ||
      (failure.alias !== undefined && namesArgument(message, failure.alias));
    if (!named)
      return `${got}: the message does not name ${failure.argument}${failure.alias === undefined ? '' : ` (or ${failure.alias})`}`;
    if (!mentionsReceived(message, failure.received)) {
      return `${got}: the message does not say what was received (${show(failure.received)})`;
    }
    return undefined;
  }
  const className = {
    'unknown-tenant': 'UnknownTenantError',
    'unknown-role': 'UnknownRoleError',
    cycle: 'RoleCycleError',
    'tenant-exists': 'TenantExistsError',
  }[failure.kind];
  const code = {
    'unknown-tenant': ERROR_CODES.unknownTenant,
    'unknown-role': ERROR_CODES.unknownRole,
    cycle: ERROR_CODES.cycle,
    'tenant-exists': ERROR_CODES.tenantExists,
  }[failure.kind];
  if (classes !== undefined) {
    const cls = classes[className];
    if (typeof cls !== 'function') return `${got}, but the module exports no class ${className}`;
    if (!(error instanceof (cls as abstract new () => unknown))) return `${got}, expected ${wanted}`;
  }
  // Across a thread boundary only the stable code tells the class (a name is not part of the contract).
  if (record['code'] !== code) return `${got} with code ${show(record['code'])}, expected ${wanted}`;
  // Fields do not survive a thread boundary; the message does.
  const withFields = classes !== undefined;
  if (withFields && record['tenant'] !== failure.tenant) {
    return `${got}: its tenant is ${show(record['tenant'])}, expected ${show(failure.tenant)}`;
  }
  switch (failure.kind) {
    case 'unknown-tenant':
    case 'tenant-exists':
      return mentionsName(message, failure.tenant)
        ? undefined
        : `${got}: the message does not name the tenant ${show(failure.tenant)}`;
    case 'unknown-role': {
      if (withFields && !failure.roles.includes(record['role'] as string)) {
        return `${got}: its role is ${show(record['role'])}, expected ${failure.roles.map((role) => show(role)).join(' or ')}`;
      }
      const named = withFields ? [record['role'] as string] : failure.roles;
      return named.some((role) => mentionsName(message, role))
        ? undefined
        : `${got}: the message does not name the unknown role`;
    }
    case 'cycle': {
      if (!withFields) {
        return mentionsName(message, failure.role)
          ? undefined
          : `${got}: the message does not name ${show(failure.role)}`;
      }
      const problem = cycleProblem(record['cycle'], failure);
      if (problem !== undefined) return `${got}: ${problem}`;
      const unnamed = (record['cycle'] as string[]).find((role) => !mentionsName(message, role));
      return unnamed === undefined
        ? undefined
        : `${got}: the message does not name ${show(unnamed)}, part of the cycle`;
    }
  }
}

/** Why `cycle` is not a cycle the definition would close, or undefined when it is one. */
export function cycleProblem(cycle: unknown, failure: Extract<Failure, { kind: 'cycle' }>): string | undefined {
  if (!Array.isArray(cycle) || cycle.length < 2 || cycle.some((role) => typeof role !== 'string')) {
    return `its cycle is ${show(cycle)}, expected the roles from ${show(failure.role)} back to it`;
  }
  if (cycle[0] !== failure.role || cycle.at(-1) !== failure.role) {
    return `its cycle ${show(cycle)} does not start and end with ${show(failure.role)}`;
  }
  for (let index = 0; index + 1 < cycle.length; index++) {
    if (!(failure.links.get(cycle[index] as string) ?? []).includes(cycle[index + 1] as string)) {
      return `its cycle ${show(cycle)} says ${show(cycle[index])} inherits ${show(cycle[index + 1])}, which it would not`;
    }
  }
  return undefined;
}

/** The message names the argument: any spelling that reads the same (`userId`, `user id`, `user_id`). */
export function namesArgument(message: string, argument: string): boolean {
  const squash = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '');
  return squash(message).includes(squash(argument));
}

/** The message shows the value received: the string itself or quoted, the number, or the kind of value. */
export function mentionsReceived(message: string, received: unknown): boolean {
  if (typeof received === 'string') {
    if (received === '') return /""|''|empty/i.test(message);
    return mentionsName(message, received);
  }
  if (received === undefined) return /undefined|missing|required|absent|not (given|provided|set)/i.test(message);
  if (received === null) return message.includes('null');
  if (Array.isArray(received)) return /array|\[/i.test(message);
  if (typeof received === 'object') return /object|\{/i.test(message);
  if (typeof received === 'function') return /function/i.test(message);
  if (typeof received === 'symbol') return /symbol/i.test(message);
  return message.includes(String(received)) || message.toLowerCase().includes(typeof received);
}

/** The message carries the name as written, or as JSON would quote it. */
export function mentionsName(message: string, name: string): boolean {
  const quoted = JSON.stringify(name);
  return message.includes(name) || message.includes(quoted) || message.includes(quoted.slice(1, -1));
}
