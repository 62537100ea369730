/**
 * SQL text helpers (the column lists of the tables are rowMapping.ts's COLUMNS, from the table specs)
 * and a small prepared-statement cache.
 */
import type Database from 'better-sqlite3';

export type SqlParam = string | number | null;

/**
 * SQL texts built once per table and column list: the write paths ask for them on every commit, and a
 * text built anew would be hashed again by the statement cache each time.
 */
const texts = new Map<string, { columns: readonly string[]; sql: string }>();
function once(key: string, columns: readonly string[], build: () => string): string {
  const known = texts.get(key);
  if (known?.columns === columns) return known.sql;
  const sql = build();
  texts.set(key, { columns, sql });
  return sql;
}

/** `INSERT INTO table (cols) VALUES (@cols)` for the keys of a params object. */
export function insertSql(table: string, columns: readonly string[]): string {
  return once(`insert ${table}`, columns, () => `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => '@' + c).join(', ')})`);
}

/**
 * `INSERT INTO table (cols) VALUES (?, ...), (?, ...)` for `rows` rows of positional parameters: a
 * command's rows in one statement instead of one statement a row (every statement run has its own cost).
 */
export function insertRowsSql(table: string, columns: readonly string[], rows: number): string {
  return once(`insert ${table} x${rows}`, columns, () => {
    const row = `(${columns.map(() => '?').join(', ')})`;
    return `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array.from({ length: rows }, () => row).join(', ')}`;
  });
}

/** An insert that updates every non-key column when the primary key already exists. */
export function upsertSql(table: string, columns: readonly string[], key: string): string {
  return once(`upsert ${table} ${key}`, columns, () => {
    const updates = columns.filter((c) => c !== key).map((c) => `${c} = excluded.${c}`);
    return `${insertSql(table, columns)} ON CONFLICT (${key}) DO UPDATE SET ${updates.join(', ')}`;
  });
}

/** `UPDATE table SET c = @c, ... WHERE where`: the columns set from a params object of the same names. */
export function updateSql(table: string, columns: readonly string[], where: string): string {
  return `UPDATE ${table} SET ${columns.map((c) => `${c} = @${c}`).join(', ')} WHERE ${where}`;
}

/** Prepares each SQL text once per connection. */
export class Statements {
  private readonly cache = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  get(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  clear(): void {
    this.cache.clear();
  }
}

/** The error code better-sqlite3 attaches to a SqliteError, e.g. `SQLITE_CONSTRAINT_PRIMARYKEY`. */
export function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
