/** Helpers both engines' spec tools share: rows in a stable order, quoted identifiers, argument messages. */
import type { Row } from './types.ts';

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A key that orders rows the same way on every run, whatever their value types. */
export function stableKey(row: Row): string {
  return JSON.stringify(row, (_key, value: unknown) =>
    typeof value === 'bigint'
      ? `${value}n`
      : value instanceof Uint8Array
        ? `x'${Buffer.from(value).toString('hex')}'`
        : value,
  );
}

/** Rows sorted by their stable key, for "this call changed nothing" comparisons. */
export function sortRows(rows: readonly Row[]): Row[] {
  return rows
    .map((row) => ({ row, key: stableKey(row) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ row }) => row);
}

/** A value as an error message names it. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
