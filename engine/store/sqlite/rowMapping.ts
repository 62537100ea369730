/**
 * Mapping between the Store port's rows and SQLite columns, built from the table specs of
 * store/types.ts (tableSpec.ts): a field is a column named in snake_case; `json` and `list` fields are
 * TEXT (JSON.stringify); a `parts` field is a column per part (`head_seq`, `head_hash`...). Optional
 * fields are NULL when absent and are left out of the returned object (not set to undefined), so a row
 * read back deep-equals the row written.
 */
import { jsonOf } from '../jsonText';
import { column, type Field, type TableSpec } from '../tableSpec';
import { TABLES, type RowTypes, type TableName } from '../types';

/** A row as better-sqlite3 returns it. */
export type DbRow = Record<string, unknown>;
/** Named parameters as better-sqlite3 binds them (`@name` in SQL). */
export type DbParams = Record<string, string | number | null>;

/** Columns only SQLite still has, written with a constant: tasks.variables (task variables are read from the instance, Engine.taskVariables). */
const LEGACY_COLUMNS: Partial<Record<TableName, DbParams>> = { tasks: { variables: '{}' } };

const specOf = (table: TableName): TableSpec => TABLES[table];

/** The SQLite columns of one field, with their type. */
export function fieldColumns(name: string, f: Field): { column: string; type: 'TEXT' | 'INTEGER' }[] {
  const type = (kind: string) => (kind === 'int' ? 'INTEGER' : 'TEXT');
  if (f.kind === 'parts') return Object.entries(f.parts ?? {}).map(([part, kind]) => ({ column: column(`${name}_${part}`), type: type(kind) }));
  return [{ column: column(name), type: type(f.kind) }];
}

/** The columns every insert and upsert of a table writes. */
export const COLUMNS = {} as Record<TableName, readonly string[]>;
for (const table of Object.keys(TABLES) as TableName[]) {
  const fields = Object.entries(specOf(table)).flatMap(([name, f]) => fieldColumns(name, f).map((c) => c.column));
  COLUMNS[table] = [...fields, ...Object.keys(LEGACY_COLUMNS[table] ?? {})];
}

const plain = (v: unknown): string | number | null => (v === undefined || v === null ? null : (v as string | number));

/** One field of a table with its column names worked out once: rows are mapped on every command. */
interface FieldPlan {
  name: string;
  field: Field;
  column: string;
  /** A `parts` field: each part and its column. */
  parts?: { part: string; column: string }[];
}

const PLANS = {} as Record<TableName, FieldPlan[]>;
for (const table of Object.keys(TABLES) as TableName[]) {
  PLANS[table] = Object.entries(specOf(table)).map(([name, field]) => ({
    name,
    field,
    column: column(name),
    ...(field.kind === 'parts' ? { parts: Object.keys(field.parts ?? {}).map((part) => ({ part, column: column(`${name}_${part}`) })) } : {}),
  }));
}

/** The parameters that write `row` into `table`. */
export function toParams<T extends TableName>(table: T, row: RowTypes[T]): DbParams {
  const values: Readonly<Record<string, unknown>> = row;
  const legacy = LEGACY_COLUMNS[table];
  const params: DbParams = legacy ? { ...legacy } : {};
  for (const { name, field: f, column: col, parts } of PLANS[table]) {
    const value = values[name] === undefined && !f.optional ? f.absent : values[name];
    if (parts) {
      const partsOf: Readonly<Record<string, unknown>> = value === undefined || value === null ? {} : (value as Record<string, unknown>);
      for (const p of parts) params[p.column] = plain(partsOf[p.part]);
    } else if (f.kind === 'json' || f.kind === 'list') {
      // A required JSON field left undefined is stored as JSON null (as the MongoDB store does).
      params[col] = value === undefined && f.optional ? null : jsonOf(value === undefined ? null : value);
    } else {
      params[col] = plain(value);
    }
  }
  return params;
}

/** The values that write `row` into `table`, in the order of COLUMNS[table] (positional parameters). */
export function toValues<T extends TableName>(table: T, row: RowTypes[T]): (string | number | null)[] {
  const params = toParams(table, row);
  return COLUMNS[table].map((c) => params[c]);
}

/** The row of `table` that a SELECT * answered. */
export function fromDb<T extends TableName>(table: T, r: DbRow): RowTypes[T] {
  const row: Record<string, unknown> = {};
  for (const { name, field: f, column: col, parts } of PLANS[table]) {
    if (parts) {
      let complete = true;
      const value: Record<string, unknown> = {};
      for (const p of parts) {
        const v = r[p.column];
        if (v === null || v === undefined) complete = false;
        value[p.part] = v;
      }
      if (complete) row[name] = value;
      continue;
    }
    const value = r[col];
    if (value === null || value === undefined) {
      if (!f.optional) row[name] = value;
      continue;
    }
    row[name] = f.kind === 'json' || f.kind === 'list' ? JSON.parse(value as string) : value;
  }
  // What this store wrote from a row of this table (toParams), read back.
  return row as RowTypes[T];
}

/** `fromDb` for one table, as a function of the row alone (for the query helpers). */
export const reader =
  <T extends TableName>(table: T) =>
  (r: DbRow): RowTypes[T] =>
    fromDb(table, r);
