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

/**
 * One column of a table, worked out once: rows are mapped on every command. Every plan has the same
 * shape (the Field specs do not: some carry `values`, `min`, `of`), so the loops over them stay fast;
 * mapping through the specs directly cost 13 µs a task row, this 0.5-2 µs.
 */
interface ColumnPlan {
  /** The row's field, or '' for a legacy column (written as `constant`). */
  name: string;
  column: string;
  /** A `parts` field's part this column holds, else ''. */
  part: string;
  json: boolean;
  optional: boolean;
  /** What a required field left undefined is written as (before JSON text, for a json field). */
  absent: unknown;
  constant: string | number | null;
}

/** A field as fromDb reads it back: its column, or its parts' columns. */
interface FieldPlan {
  name: string;
  column: string;
  json: boolean;
  optional: boolean;
  parts: { part: string; column: string }[] | null;
}

/** The columns every insert and upsert of a table writes, in the order toValues gives their values. */
export const COLUMNS = {} as Record<TableName, readonly string[]>;
const COLUMN_PLANS = {} as Record<TableName, ColumnPlan[]>;
const FIELD_PLANS = {} as Record<TableName, FieldPlan[]>;
for (const table of Object.keys(TABLES) as TableName[]) {
  const columns: ColumnPlan[] = [];
  const fields: FieldPlan[] = [];
  for (const [name, f] of Object.entries(specOf(table))) {
    const json = f.kind === 'json' || f.kind === 'list';
    // the part of each column of a `parts` field, in the order fieldColumns gives its columns
    const partNames = f.kind === 'parts' ? Object.keys(f.parts ?? {}) : [''];
    const cols = fieldColumns(name, f).map((c, i) => ({ part: partNames[i], column: c.column }));
    fields.push({ name, column: column(name), json, optional: f.optional, parts: f.kind === 'parts' ? cols : null });
    for (const c of cols) columns.push({ name, column: c.column, part: c.part, json, optional: f.optional, absent: f.absent, constant: null });
  }
  for (const [col, constant] of Object.entries(LEGACY_COLUMNS[table] ?? {})) {
    columns.push({ name: '', column: col, part: '', json: false, optional: true, absent: undefined, constant });
  }
  COLUMN_PLANS[table] = columns;
  FIELD_PLANS[table] = fields;
  COLUMNS[table] = columns.map((c) => c.column);
}

/** The value of one column for `row`. */
function columnValue(p: ColumnPlan, row: Readonly<Record<string, unknown>>): string | number | null {
  if (p.name === '') return p.constant;
  let value = row[p.name];
  if (value === undefined && !p.optional) value = p.absent;
  if (p.part !== '') {
    const part = value === undefined || value === null ? undefined : (value as Record<string, unknown>)[p.part];
    return part === undefined || part === null ? null : (part as string | number);
  }
  // A required JSON field left undefined is stored as JSON null (as the MongoDB store does).
  if (p.json) return value === undefined && p.optional ? null : jsonOf(value === undefined ? null : value);
  return value === undefined || value === null ? null : (value as string | number);
}

/** The parameters that write `row` into `table`. */
export function toParams<T extends TableName>(table: T, row: RowTypes[T]): DbParams {
  const plans = COLUMN_PLANS[table];
  const params: DbParams = {};
  for (let i = 0; i < plans.length; i++) params[plans[i].column] = columnValue(plans[i], row);
  return params;
}

/** The values that write `row` into `table`, in the order of COLUMNS[table] (positional parameters). */
export function toValues<T extends TableName>(table: T, row: RowTypes[T]): (string | number | null)[] {
  const plans = COLUMN_PLANS[table];
  const values = new Array<string | number | null>(plans.length);
  for (let i = 0; i < plans.length; i++) values[i] = columnValue(plans[i], row);
  return values;
}

/** The row of `table` that a SELECT * answered. */
export function fromDb<T extends TableName>(table: T, r: DbRow): RowTypes[T] {
  const row: Record<string, unknown> = {};
  for (const { name, column: col, json, optional, parts } of FIELD_PLANS[table]) {
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
      if (!optional) row[name] = value;
      continue;
    }
    row[name] = json ? JSON.parse(value as string) : value;
  }
  // What this store wrote from a row of this table (toParams), read back.
  return row as RowTypes[T];
}

/** `fromDb` for one table, as a function of the row alone (for the query helpers). */
export const reader =
  <T extends TableName>(table: T) =>
  (r: DbRow): RowTypes[T] =>
    fromDb(table, r);
