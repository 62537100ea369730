/**
 * Versioned schema migrations for the embedded SQLite store.
 *
 * The schema version lives in `PRAGMA user_version`. Each migration runs in its own IMMEDIATE
 * transaction together with the bump of `user_version` (the header write is part of the
 * transaction), so a crash mid-migration leaves the previous version intact and two processes
 * opening the same file at once never apply a migration twice: the second one waits for the write
 * lock, re-reads the version inside its transaction and finds nothing left to do.
 *
 * Migrations are append-only: never edit a shipped one, add a new version instead. A column that a
 * table spec (store/types.ts) has and its table lacks needs no migration: `addSpecColumns` adds it,
 * nullable, when the store opens (a new field of a row is optional for the rows already stored).
 */
import type { Database } from 'better-sqlite3';
import { TABLES, type TableName } from '../types';
import { fieldColumns } from './rowMapping';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'initial schema',
    sql: `
      CREATE TABLE definitions (
        key           TEXT PRIMARY KEY,
        process_id    TEXT NOT NULL,
        version       INTEGER NOT NULL,
        name          TEXT,
        deployment_id TEXT NOT NULL,
        resource_name TEXT NOT NULL,
        xml           TEXT NOT NULL,
        model         TEXT NOT NULL,
        checksum      TEXT NOT NULL,
        deployed_at   INTEGER NOT NULL,
        UNIQUE (process_id, version)
      );

      CREATE TABLE resources (
        id            TEXT PRIMARY KEY,
        kind          TEXT NOT NULL,
        name          TEXT NOT NULL,
        content       TEXT NOT NULL,
        deployment_id TEXT NOT NULL,
        deployed_at   INTEGER NOT NULL
      );
      CREATE INDEX resources_kind ON resources (kind, id);

      CREATE TABLE instances (
        id                 TEXT PRIMARY KEY,
        process_id         TEXT NOT NULL,
        version            INTEGER NOT NULL,
        definition_key     TEXT NOT NULL,
        business_key       TEXT,
        state              TEXT NOT NULL,
        rev                INTEGER NOT NULL,
        snapshot           TEXT NOT NULL,
        variables          TEXT NOT NULL,
        active_elements    TEXT NOT NULL,
        parent_instance_id TEXT,
        parent_wait_id     TEXT,
        started_at         INTEGER NOT NULL,
        ended_at           INTEGER
      );
      CREATE INDEX instances_started ON instances (started_at, id);
      CREATE INDEX instances_process ON instances (process_id, started_at, id);
      CREATE INDEX instances_state ON instances (state, started_at, id);
      CREATE INDEX instances_business_key ON instances (business_key, started_at, id);
      CREATE INDEX instances_parent ON instances (parent_instance_id, started_at, id);

      -- Append-only audit trail; the triggers below refuse UPDATE and DELETE.
      CREATE TABLE history (
        instance_id TEXT NOT NULL,
        seq         INTEGER NOT NULL,
        at          INTEGER NOT NULL,
        type        TEXT NOT NULL,
        element_id  TEXT,
        actor       TEXT NOT NULL,
        data        TEXT,
        prev_hash   TEXT NOT NULL,
        hash        TEXT NOT NULL,
        PRIMARY KEY (instance_id, seq)
      ) WITHOUT ROWID;
      CREATE TRIGGER history_no_update BEFORE UPDATE ON history
        BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
      CREATE TRIGGER history_no_delete BEFORE DELETE ON history
        BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;

      CREATE TABLE tasks (
        id              TEXT PRIMARY KEY,
        instance_id     TEXT NOT NULL,
        process_id      TEXT NOT NULL,
        element_id      TEXT NOT NULL,
        wait_id         TEXT NOT NULL,
        name            TEXT,
        state           TEXT NOT NULL,
        assignee        TEXT,
        candidate_groups TEXT NOT NULL,
        candidate_users TEXT NOT NULL,
        due_date        INTEGER,
        follow_up_date  INTEGER,
        form_id         TEXT,
        form_key        TEXT,
        priority        INTEGER,
        variables       TEXT NOT NULL,
        created_at      INTEGER NOT NULL,
        completed_at    INTEGER,
        completed_by    TEXT
      );
      CREATE INDEX tasks_state ON tasks (state, created_at, id);
      CREATE INDEX tasks_created ON tasks (created_at, id);
      CREATE INDEX tasks_assignee ON tasks (assignee, state, created_at, id);
      CREATE INDEX tasks_instance ON tasks (instance_id, created_at, id);
      CREATE INDEX tasks_process ON tasks (process_id, state, created_at, id);

      -- Candidate groups (kind 'g') and users (kind 'u') of a task, with the task's state and
      -- createdAt copied in, so "created tasks of group X, oldest first, after cursor" is one range
      -- scan of candidates_by_name. Rewritten with every upsert of the task.
      CREATE TABLE task_candidates (
        task_id    TEXT NOT NULL,
        kind       TEXT NOT NULL,
        name       TEXT NOT NULL,
        state      TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (task_id, kind, name)
      ) WITHOUT ROWID;
      CREATE INDEX candidates_by_name ON task_candidates (kind, name, state, created_at, task_id);

      CREATE TABLE jobs (
        key             TEXT PRIMARY KEY,
        type            TEXT NOT NULL,
        instance_id     TEXT NOT NULL,
        process_id      TEXT NOT NULL,
        element_id      TEXT NOT NULL,
        wait_id         TEXT NOT NULL,
        state           TEXT NOT NULL,
        retries         INTEGER NOT NULL,
        initial_retries INTEGER NOT NULL,
        worker          TEXT,
        lock_expires_at INTEGER,
        not_before      INTEGER,
        variables       TEXT NOT NULL,
        custom_headers  TEXT NOT NULL,
        error_message   TEXT,
        created_at      INTEGER NOT NULL
      );
      -- Activation reads the live jobs of a type oldest first. A partial index holds only live jobs, so
      -- it stays small however many completed jobs pile up, and its order is the ORDER BY (no sort);
      -- the lock-expiry and notBefore checks are per-row filters over in-flight or backed-off jobs.
      CREATE INDEX jobs_live ON jobs (type, created_at, key) WHERE state IN ('activatable', 'activated');

      CREATE TABLE timers (
        id             TEXT PRIMARY KEY,
        instance_id    TEXT,
        definition_key TEXT,
        element_id     TEXT NOT NULL,
        wait_id        TEXT,
        due_at         INTEGER NOT NULL,
        state          TEXT NOT NULL,
        repeat         TEXT,
        created_at     INTEGER NOT NULL,
        fired_at       INTEGER
      );
      CREATE INDEX timers_due ON timers (state, due_at, id);
      CREATE INDEX timers_definition ON timers (definition_key, state);

      CREATE TABLE subscriptions (
        id              TEXT PRIMARY KEY,
        kind            TEXT NOT NULL,
        name            TEXT NOT NULL,
        correlation_key TEXT,
        instance_id     TEXT NOT NULL,
        element_id      TEXT NOT NULL,
        wait_id         TEXT NOT NULL,
        created_at      INTEGER NOT NULL
      );
      CREATE INDEX subscriptions_lookup ON subscriptions (kind, name, correlation_key, created_at, id);

      CREATE TABLE messages (
        id              TEXT PRIMARY KEY,
        name            TEXT NOT NULL,
        correlation_key TEXT NOT NULL,
        variables       TEXT NOT NULL,
        message_id      TEXT,
        published_at    INTEGER NOT NULL,
        expires_at      INTEGER NOT NULL
      );
      CREATE INDEX messages_lookup ON messages (name, correlation_key, published_at, id);
      CREATE INDEX messages_message_id ON messages (message_id) WHERE message_id IS NOT NULL;
      CREATE INDEX messages_expiry ON messages (expires_at);

      CREATE TABLE message_consumption (
        message_id  TEXT NOT NULL,
        instance_id TEXT NOT NULL,
        PRIMARY KEY (message_id, instance_id)
      ) WITHOUT ROWID;

      CREATE TABLE incidents (
        id          TEXT PRIMARY KEY,
        instance_id TEXT NOT NULL,
        process_id  TEXT NOT NULL,
        element_id  TEXT NOT NULL,
        job_key     TEXT,
        wait_id     TEXT,
        type        TEXT NOT NULL,
        message     TEXT NOT NULL,
        state       TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        resolved_at INTEGER
      );
      CREATE INDEX incidents_instance ON incidents (instance_id, created_at);
      CREATE INDEX incidents_state ON incidents (state, created_at);

      -- seq keeps insertion order among rows created in the same millisecond.
      CREATE TABLE outbox (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        id         TEXT NOT NULL UNIQUE,
        kind       TEXT NOT NULL,
        payload    TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX outbox_pending ON outbox (created_at, seq);
    `,
  },
  {
    version: 2,
    description: 'tasks: users excluded by segregation of duties',
    sql: `ALTER TABLE tasks ADD COLUMN excluded_users TEXT;`,
  },
  {
    version: 3,
    description: 'tasks: subject',
    sql: `ALTER TABLE tasks ADD COLUMN subject TEXT;`,
  },
  {
    version: 4,
    description: 'instances: starter and sealed history head; signed checkpoints of chain heads',
    sql: `
      ALTER TABLE instances ADD COLUMN started_by TEXT;
      ALTER TABLE instances ADD COLUMN head_seq INTEGER;
      ALTER TABLE instances ADD COLUMN head_hash TEXT;
      ALTER TABLE instances ADD COLUMN head_seal TEXT;
      ALTER TABLE instances ADD COLUMN head_key_id TEXT;
      -- the head seq the latest checkpoint holds: instances whose chain grew since are "dirty"
      ALTER TABLE instances ADD COLUMN checkpointed_seq INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX instances_uncheckpointed ON instances (id) WHERE head_seq > checkpointed_seq;
      CREATE INDEX instances_unsealed ON instances (id) WHERE head_seal IS NULL;

      CREATE TABLE checkpoints (
        seq       INTEGER PRIMARY KEY,
        at        INTEGER NOT NULL,
        heads     TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash      TEXT NOT NULL,
        signature TEXT NOT NULL,
        key_id    TEXT NOT NULL
      );
      CREATE TABLE checkpoint_heads (
        instance_id TEXT NOT NULL,
        checkpoint  INTEGER NOT NULL,
        seq         INTEGER NOT NULL,
        hash        TEXT NOT NULL,
        PRIMARY KEY (instance_id, checkpoint)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 5,
    description: 'tasks: seat group (one person, one seat of a multi-instance activation)',
    sql: `ALTER TABLE tasks ADD COLUMN seat_group TEXT;`,
  },
  {
    version: 6,
    description: 'definitions and resources: who deployed them and who owns them',
    sql: `
      ALTER TABLE definitions ADD COLUMN deployed_by TEXT;
      ALTER TABLE definitions ADD COLUMN owners TEXT;
      ALTER TABLE resources ADD COLUMN deployed_by TEXT;
      ALTER TABLE resources ADD COLUMN owners TEXT;
    `,
  },
  {
    version: 7,
    description: "drafts: the modeler's unsaved work per user and process",
    sql: `
      CREATE TABLE drafts (
        id          TEXT PRIMARY KEY,
        user_id     TEXT NOT NULL,
        process_id  TEXT NOT NULL,
        name        TEXT,
        xml         TEXT NOT NULL,
        forms       TEXT NOT NULL,
        size        INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      );
      CREATE INDEX drafts_user ON drafts (user_id, updated_at);
    `,
  },
  {
    version: 8,
    description: 'task desk: saved task list views per user, task attachments',
    sql: `
      CREATE TABLE task_views (
        id         TEXT PRIMARY KEY,
        owner      TEXT NOT NULL,
        name       TEXT NOT NULL,
        query      TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX task_views_owner ON task_views (owner, name);

      CREATE TABLE attachments (
        id           TEXT PRIMARY KEY,
        task_id      TEXT NOT NULL,
        instance_id  TEXT NOT NULL,
        name         TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size         INTEGER NOT NULL,
        sha256       TEXT NOT NULL,
        content      TEXT NOT NULL,
        uploaded_by  TEXT NOT NULL,
        uploaded_at  INTEGER NOT NULL
      );
      CREATE INDEX attachments_instance ON attachments (instance_id, uploaded_at, id);
    `,
  },
  {
    version: 9,
    description: 'ticket numbers (a counter per prefix) and links between tickets',
    sql: `
      -- the last number taken per prefix; a commit moves it by one (writes.ts takeTicketNumber)
      CREATE TABLE ticket_counters (
        prefix TEXT PRIMARY KEY,
        value  INTEGER NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE links (
        id         TEXT PRIMARY KEY,
        from_id    TEXT NOT NULL,
        to_id      TEXT NOT NULL,
        kind       TEXT NOT NULL,
        from_key   TEXT,
        to_key     TEXT,
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL
      );
      CREATE INDEX links_from ON links (from_id, created_at, id);
      CREATE INDEX links_to ON links (to_id, created_at, id);
    `,
  },
  {
    version: 10,
    description: 'SLA records: every SLA target of every instance, met or breached, for SLA reports',
    sql: `
      CREATE TABLE sla_records (
        id               TEXT PRIMARY KEY,
        instance_id      TEXT NOT NULL,
        process_id       TEXT NOT NULL,
        ticket           TEXT,
        kind             TEXT NOT NULL,
        round            INTEGER NOT NULL,
        priority         INTEGER,
        assignment_group TEXT,
        calendar         TEXT,
        target           TEXT,
        due_at           INTEGER,
        status           TEXT NOT NULL,
        paused_seconds   INTEGER NOT NULL,
        completed_at     INTEGER NOT NULL
      );
      CREATE INDEX sla_records_completed ON sla_records (completed_at, id);
    `,
  },
  {
    version: 11,
    description: 'external keys: numeric keys of string ids, for numeric-key APIs (Camunda 8 /v2)',
    sql: `
      CREATE TABLE external_keys (
        key  INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        id   TEXT NOT NULL,
        UNIQUE (kind, id)
      );
    `,
  },
];

/** The schema version a fully migrated database has. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database up to SCHEMA_VERSION. Idempotent; safe to run from several processes at once.
 * Refuses a database written by a newer ProcessDesk (a higher user_version than it knows).
 * Returns the versions it applied.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const applied: number[] = [];
  const latest = migrations.length ? migrations[migrations.length - 1].version : 0;
  for (const m of migrations) {
    const step = db.transaction((): boolean => {
      const current = schemaVersion(db);
      if (current > latest) {
        throw new Error(`database schema version ${current} is newer than this build supports (${latest})`);
      }
      if (current >= m.version) return false;
      if (current !== m.version - 1) {
        throw new Error(`cannot migrate from schema version ${current} to ${m.version}: missing migration`);
      }
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
      return true;
    });
    if (step.immediate()) applied.push(m.version);
  }
  // Also refuse a newer database when there was nothing to apply.
  const current = schemaVersion(db);
  if (current > latest) {
    throw new Error(`database schema version ${current} is newer than this build supports (${latest})`);
  }
  // The specs describe a database of the latest schema (a partial migration, in tests, stops short of it).
  if (current === SCHEMA_VERSION) addSpecColumns(db);
  return applied;
}

/**
 * Adds the columns the table specs have and the tables lack, in one IMMEDIATE transaction that reads
 * the tables' columns again (two processes opening the file at once add each column once). Returns
 * the columns added, as `table.column`.
 */
export function addSpecColumns(db: Database): string[] {
  return db
    .transaction((): string[] => {
      const added: string[] = [];
      for (const [table, spec] of Object.entries(TABLES) as [TableName, (typeof TABLES)[TableName]][]) {
        const present = new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
        for (const [name, f] of Object.entries(spec)) {
          for (const c of fieldColumns(name, f)) {
            if (present.has(c.column)) continue;
            db.exec(`ALTER TABLE ${table} ADD COLUMN ${c.column} ${c.type}`);
            added.push(`${table}.${c.column}`);
          }
        }
      }
      return added;
    })
    .immediate();
}
