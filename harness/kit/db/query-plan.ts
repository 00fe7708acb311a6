/**
 * "Does the hot path use an index?" answered from SQLite's own query plans: every statement the
 * code under test ran is explained again, and a plan step that SCANs a table (or a whole index of
 * it) holding many rows is reported. A SEARCH (index or primary-key lookup) is fine.
 */
import type { FullScan, QueryPlanStep, SqlParam, StatementInfo } from './types.ts';

const SCHEMA_CHANGE = /^\s*(?:CREATE|DROP|ALTER|PRAGMA|ANALYZE|VACUUM|REINDEX|ATTACH|DETACH)\b/i;
const SCAN_STEP = /^SCAN (\S+)/;
/** `FROM seats s`, `JOIN seats AS s`, `UPDATE seats AS s`: aliases show up in plans instead of table names. */
const TABLE_ALIAS = /\b(?:FROM|JOIN|UPDATE)\s+["`[]?(\w+)["`\]]?(?:\s+(?:AS\s+)?["`[]?(\w+)["`\]]?)?/gi;

export interface FullScanContext {
  readonly minRows: number;
  readonly tables: ReadonlySet<string>;
  rowCount(table: string): number;
  explain(sql: string, params: readonly SqlParam[]): QueryPlanStep[];
}

export function findFullScans(statements: readonly StatementInfo[], context: FullScanContext): FullScan[] {
  const scans: FullScan[] = [];
  const explained = new Set<string>();
  const counts = new Map<string, number>();
  const rowsOf = (table: string): number => {
    let count = counts.get(table);
    if (count === undefined) {
      count = context.rowCount(table);
      counts.set(table, count);
    }
    return count;
  };
  for (const statement of statements) {
    if (statement.kind !== 'run' && statement.kind !== 'get' && statement.kind !== 'all') continue;
    if (SCHEMA_CHANGE.test(statement.sql) || explained.has(statement.sql)) continue;
    explained.add(statement.sql);
    let plan: QueryPlanStep[];
    try {
      plan = context.explain(statement.sql, statement.params);
    } catch {
      // A statement that cannot be explained again (its table was dropped since) reads nothing now.
      continue;
    }
    const aliases = aliasesOf(statement.sql);
    for (const step of plan) {
      const name = SCAN_STEP.exec(step.detail)?.[1];
      if (name === undefined) continue;
      const table = context.tables.has(name) ? name : aliases.get(name.toLowerCase());
      if (table === undefined || !context.tables.has(table)) continue;
      const rows = rowsOf(table);
      if (rows >= context.minRows) scans.push({ sql: statement.sql, table, rows, detail: step.detail });
    }
  }
  return scans;
}

function aliasesOf(sql: string): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const match of sql.matchAll(TABLE_ALIAS)) {
    const [, table, alias] = match;
    if (table !== undefined && alias !== undefined) aliases.set(alias.toLowerCase(), table);
  }
  return aliases;
}
