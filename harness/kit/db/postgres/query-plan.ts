/**
 * "Does the hot path use an index?" answered from PostgreSQL's own plans (EXPLAIN (FORMAT JSON)):
 * every statement the code under test ran is explained again, and a node that reads a whole table
 * holding many rows is reported: a Seq Scan, or an index scan with no index condition (it walks the
 * whole index). The caller ANALYZEs first and turns enable_seqscan off, so a Seq Scan in the plan
 * means no index can serve the statement, not that the planner found the table small.
 */
import type { FullScan, QueryPlanStep, SqlParam, StatementInfo } from '../types.ts';

const SCHEMA_CHANGE =
  /^\s*(?:CREATE|DROP|ALTER|ANALYZE|VACUUM|REINDEX|TRUNCATE|GRANT|REVOKE|COMMENT|SET|RESET|SHOW)\b/i;

type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };

/** The plan tree as steps in depth-first order, each naming its parent (0 for the root's). */
export function flattenPlan(explained: unknown): QueryPlanStep[] {
  const root =
    (Array.isArray(explained) ? (explained[0] as { Plan?: PlanNode } | undefined)?.Plan : undefined) ?? undefined;
  const steps: QueryPlanStep[] = [];
  const visit = (node: PlanNode, parent: number): void => {
    const id = steps.length + 1;
    const { Plans: children, ...rest } = node;
    steps.push({ id, parent, detail: describeNode(node), node: rest });
    for (const child of children ?? []) visit(child, id);
  };
  if (root !== undefined) visit(root, 0);
  return steps;
}

function describeNode(node: PlanNode): string {
  const type = String(node['Node Type'] ?? 'Node');
  const index = node['Index Name'] === undefined ? '' : ` using ${String(node['Index Name'])}`;
  const relation = node['Relation Name'] === undefined ? '' : ` on ${String(node['Relation Name'])}`;
  const alias =
    node['Alias'] !== undefined && node['Alias'] !== node['Relation Name'] ? ` ${String(node['Alias'])}` : '';
  return `${type}${index}${relation}${alias}`;
}

/** A node that reads all of its table: a Seq Scan, or an index scan without an index condition. */
function readsWholeTable(node: Readonly<Record<string, unknown>>): boolean {
  const type = node['Node Type'];
  if (type === 'Seq Scan') return true;
  if (type === 'Index Scan' || type === 'Index Only Scan') return node['Index Cond'] === undefined;
  return false;
}

export interface PostgresFullScanContext {
  readonly minRows: number;
  readonly tables: ReadonlySet<string>;
  rowCount(table: string): Promise<number>;
  explain(sql: string, params: readonly SqlParam[]): Promise<QueryPlanStep[]>;
}

export async function fullScansIn(
  statements: readonly StatementInfo[],
  context: PostgresFullScanContext,
): Promise<FullScan[]> {
  const scans: FullScan[] = [];
  const explained = new Set<string>();
  const counts = new Map<string, number>();
  for (const statement of statements) {
    if (statement.kind !== 'run' && statement.kind !== 'get' && statement.kind !== 'all') continue;
    if (SCHEMA_CHANGE.test(statement.sql) || explained.has(statement.sql)) continue;
    explained.add(statement.sql);
    let plan: QueryPlanStep[];
    try {
      plan = await context.explain(statement.sql, statement.params);
    } catch {
      // A statement that cannot be explained again (its table was dropped since) reads nothing now.
      continue;
    }
    for (const step of plan) {
      if (step.node === undefined || !readsWholeTable(step.node)) continue;
      const table = step.node['Relation Name'];
      if (typeof table !== 'string' || !context.tables.has(table)) continue;
      let rows = counts.get(table);
      if (rows === undefined) {
        rows = await context.rowCount(table);
        counts.set(table, rows);
      }
      if (rows >= context.minRows) scans.push({ sql: statement.sql, table, rows, detail: step.detail });
    }
  }
  return scans;
}
