/**
 * What the kit reads from PostgreSQL SQL text without asking the server: the statements of a
 * script (quotes, dollar quotes and comments skipped), whether one controls the transaction
 * (BEGIN, COMMIT, ...: the kit's job), whether it can write (StatementInfo.readonly), and whether
 * the parameters are ones PostgreSQL can bind.
 */
import type { SqlParam } from '../types.ts';

/**
 * The leading words of each statement of a script, upper-cased. Strings, quoted identifiers,
 * dollar-quoted bodies (`$$ BEGIN ... END $$`) and comments are skipped, so a function body's
 * BEGIN is not mistaken for a transaction.
 */
export function statementHeads(sql: string): string[] {
  const heads: string[] = [];
  let current = '';
  const flush = (): void => {
    const head = current.trim().split(/\s+/).slice(0, 3).join(' ');
    if (head !== '') heads.push(head.toUpperCase());
    current = '';
  };
  let index = 0;
  while (index < sql.length) {
    const char = sql[index]!;
    const next = sql[index + 1];
    if (char === '-' && next === '-') {
      const end = sql.indexOf('\n', index);
      index = end === -1 ? sql.length : end + 1;
      current += ' ';
      continue;
    }
    if (char === '/' && next === '*') {
      let depth = 1;
      index += 2;
      while (index < sql.length && depth > 0) {
        if (sql[index] === '/' && sql[index + 1] === '*') {
          depth++;
          index += 2;
        } else if (sql[index] === '*' && sql[index + 1] === '/') {
          depth--;
          index += 2;
        } else index++;
      }
      current += ' ';
      continue;
    }
    if (char === "'" || char === '"') {
      index = closingQuote(sql, index, char);
      current += ' ';
      continue;
    }
    if (char === '$') {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(index));
      if (tag !== null) {
        const end = sql.indexOf(tag[0], index + tag[0].length);
        index = end === -1 ? sql.length : end + tag[0].length;
        current += ' ';
        continue;
      }
    }
    if (char === ';') {
      flush();
      index++;
      continue;
    }
    current += char;
    index++;
  }
  flush();
  return heads;
}

function closingQuote(sql: string, start: number, quote: string): number {
  let index = start + 1;
  while (index < sql.length) {
    if (sql[index] === quote) {
      if (sql[index + 1] === quote) {
        index += 2;
        continue;
      }
      return index + 1;
    }
    index++;
  }
  return sql.length;
}

const CONTROL_HEAD =
  /^(?:BEGIN|COMMIT|END|ABORT|START\s+TRANSACTION|ROLLBACK(?!\s+(?:TO|PREPARED)\b)|PREPARE\s+TRANSACTION|COMMIT\s+PREPARED|ROLLBACK\s+PREPARED)\b/;

/** The first statement of `sql` that begins or ends a transaction, if any. */
export function transactionControl(sql: string): string | undefined {
  return statementHeads(sql).find((head) => CONTROL_HEAD.test(head));
}

const READ_HEAD = /^(?:SELECT|WITH|VALUES|TABLE|SHOW|EXPLAIN)\b/;
const WRITES = /\b(?:INSERT|UPDATE|DELETE|MERGE|INTO|NEXTVAL|SETVAL|TRUNCATE|ANALYZE)\b/i;
const LOCKS_ROWS = /\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE|KEY\s+SHARE)\b/i;

/**
 * PostgreSQL does not say before running a statement whether it writes, so this is read from the
 * text: a SELECT, WITH, VALUES, TABLE, SHOW or EXPLAIN that mentions no data-changing keyword
 * (INSERT, UPDATE, DELETE, MERGE, SELECT ... INTO, nextval) is readonly. `SELECT ... FOR UPDATE`
 * changes no data and counts as readonly too, as SQLite counts it (it only locks rows). Scripts
 * (`exec`) are never readonly.
 */
export function isReadonly(kind: 'run' | 'get' | 'all' | 'exec', sql: string): boolean {
  if (kind === 'exec') return false;
  const heads = statementHeads(sql);
  if (heads.length !== 1 || !READ_HEAD.test(heads[0]!)) return false;
  const text = withoutLiterals(sql).replace(LOCKS_ROWS, ' ');
  return !WRITES.test(text);
}

const ADVISORY = /\bpg_(?:try_)?advisory_(?:xact_)?lock/i;

/**
 * Whether a statement may take row locks or write (so it may wait for another transaction's
 * locks): anything not readonly, plus SELECT ... FOR UPDATE/SHARE and advisory locks.
 */
export function takesLocks(kind: 'run' | 'get' | 'all' | 'exec', sql: string): boolean {
  if (!isReadonly(kind, sql)) return true;
  const text = withoutLiterals(sql);
  return LOCKS_ROWS.test(text) || ADVISORY.test(text);
}

/** The SQL with strings, quoted identifiers, dollar quotes and comments blanked out. */
function withoutLiterals(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?\$\1\$/g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""');
}

/**
 * Parameters PostgreSQL can bind: positional values for $1, $2, ... Named parameters (one object)
 * are SQLite's: reject them instead of letting pg serialise the object as JSON.
 */
export function checkParams(params: readonly SqlParam[]): unknown[] {
  for (const [index, param] of params.entries()) {
    if (
      typeof param === 'object' &&
      param !== null &&
      !ArrayBuffer.isView(param) &&
      !Array.isArray(param) &&
      !(param instanceof Date)
    ) {
      throw new TypeError(
        `parameter ${index + 1} is an object: named parameters (:name, @name) are SQLite-only. ` +
          'On PostgreSQL write $1, $2, ... and pass the values in order (JSON.stringify a value meant for a json column)',
      );
    }
    if (typeof param === 'function' || typeof param === 'symbol' || param === undefined) {
      throw new TypeError(`parameter ${index + 1} is ${param === undefined ? 'undefined' : `a ${typeof param}`}`);
    }
  }
  return params as unknown[];
}
