/**
 * SQL text helpers and the column list of every table (in the order of the *Params functions in
 * rowMapping.ts, which bind them as `@column`), and a small prepared-statement cache.
 */
import type Database from 'better-sqlite3';

export type SqlParam = string | number | null;

/** `INSERT INTO table (cols) VALUES (@cols)` for the keys of a params object. */
export function insertSql(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => '@' + c).join(', ')})`;
}

/** An insert that updates every non-key column when the primary key already exists. */
export function upsertSql(table: string, columns: readonly string[], key: string): string {
  const updates = columns.filter((c) => c !== key).map((c) => `${c} = excluded.${c}`);
  return `${insertSql(table, columns)} ON CONFLICT (${key}) DO UPDATE SET ${updates.join(', ')}`;
}

/** Column lists per table. */
export const COLUMNS = {
  definitions: ['key', 'process_id', 'version', 'name', 'deployment_id', 'resource_name', 'xml', 'model', 'checksum', 'deployed_at'],
  resources: ['id', 'kind', 'name', 'content', 'deployment_id', 'deployed_at'],
  instances: [
    'id', 'process_id', 'version', 'definition_key', 'business_key', 'state', 'rev', 'snapshot', 'variables',
    'active_elements', 'parent_instance_id', 'parent_wait_id', 'started_at', 'ended_at',
  ],
  history: ['instance_id', 'seq', 'at', 'type', 'element_id', 'actor', 'data', 'prev_hash', 'hash'],
  tasks: [
    'id', 'instance_id', 'process_id', 'element_id', 'wait_id', 'name', 'state', 'assignee', 'candidate_groups',
    'candidate_users', 'due_date', 'follow_up_date', 'form_id', 'form_key', 'priority', 'variables', 'created_at',
    'completed_at', 'completed_by', 'excluded_users', 'subject',
  ],
  jobs: [
    'key', 'type', 'instance_id', 'process_id', 'element_id', 'wait_id', 'state', 'retries', 'initial_retries',
    'worker', 'lock_expires_at', 'not_before', 'variables', 'custom_headers', 'error_message', 'created_at',
  ],
  timers: ['id', 'instance_id', 'definition_key', 'element_id', 'wait_id', 'due_at', 'state', 'repeat', 'created_at', 'fired_at'],
  subscriptions: ['id', 'kind', 'name', 'correlation_key', 'instance_id', 'element_id', 'wait_id', 'created_at'],
  messages: ['id', 'name', 'correlation_key', 'variables', 'message_id', 'published_at', 'expires_at'],
  incidents: [
    'id', 'instance_id', 'process_id', 'element_id', 'job_key', 'wait_id', 'type', 'message', 'state', 'created_at',
    'resolved_at',
  ],
  outbox: ['id', 'kind', 'payload', 'created_at'],
} as const;

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
