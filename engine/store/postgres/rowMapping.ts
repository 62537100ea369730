/**
 * Rows of the Store port <-> PostgreSQL parameters and result rows.
 *
 * The PostgreSQL tables have the embedded store's columns, with the same encoding (JSON as TEXT, NULL
 * for an absent field, BIGINT parsed to a number by pool.ts), so the embedded store's mapping functions
 * serve both and a row reads back identical from either store. What differs is binding: node-postgres
 * takes positional `$n` parameters, so a row's named parameters are laid out in column order here.
 */
import { COLUMNS } from '../sqlite/rowMapping';
import type { DbParams } from '../sqlite/rowMapping';

export * from '../sqlite/rowMapping';
export { COLUMNS };

export type Table = keyof typeof COLUMNS;
export type PgParam = string | number | boolean | null | string[];

/** `$from, $from+1, ...` for `n` parameters. */
function marks(from: number, n: number): string {
  return Array.from({ length: n }, (_, i) => `$${from + i}`).join(', ');
}

/** A multi-row INSERT of `rows` (each a params object of the mapping) and its parameters. */
export function insertRows(table: Table, rows: DbParams[]): { text: string; values: PgParam[] } {
  const columns = COLUMNS[table];
  const values: PgParam[] = [];
  const tuples: string[] = [];
  for (const row of rows) {
    tuples.push(`(${marks(values.length + 1, columns.length)})`);
    for (const c of columns) values.push(row[c] ?? null);
  }
  return { text: `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, values };
}

/** insertRows that replaces every non-key column of a row whose key exists. */
export function upsertRows(table: Table, key: string, rows: DbParams[]): { text: string; values: PgParam[] } {
  const q = insertRows(table, rows);
  const updates = COLUMNS[table].filter((c) => c !== key).map((c) => `${c} = excluded.${c}`);
  return { text: `${q.text} ON CONFLICT (${key}) DO UPDATE SET ${updates.join(', ')}`, values: q.values };
}

/**
 * The last row per key, in first-seen order: one INSERT ... ON CONFLICT DO UPDATE may not touch a row
 * twice, and sequential upserts of one key leave the last one anyway.
 */
export function lastPerKey<T>(rows: readonly T[], key: (row: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const r of rows) {
    byKey.delete(key(r));
    byKey.set(key(r), r);
  }
  return [...byKey.values()];
}

/** Rewrites the `?` placeholders of SQL shared with the embedded store as `$1, $2, ...`. */
export function positional(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
