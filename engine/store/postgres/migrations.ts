/**
 * Versioned schema migrations for the PostgreSQL store.
 *
 * The applied version lives in `schema_version` (one row). Each migration runs in its own transaction
 * together with the version bump (PostgreSQL DDL is transactional), under a transaction-scoped advisory
 * lock: API and worker processes starting together never apply a migration twice, and a failed one
 * leaves the previous version and no partial schema. Append-only: never edit a shipped migration.
 *
 * Text columns are COLLATE "C": pages are ordered by (time, id), and cursors, the in-memory merge of
 * task streams and the other adapters compare ids bytewise, whatever the database's default locale.
 * Times are BIGINT epoch milliseconds. JSON values are TEXT, written and read exactly as the embedded
 * store does (rowMapping.ts): the store never queries inside them, and a snapshot comes back byte for
 * byte.
 */
import type pg from 'pg';
import { TABLES, type TableName } from '../types';
import { fieldColumns } from '../sqlite/rowMapping';
import { withConnection } from './pool';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/** Any constant: the key of the advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK = 4_711_505;

const T = 'TEXT COLLATE "C"';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'initial schema (as SQLite schema 6)',
    sql: `
      CREATE TABLE definitions (
        key           ${T} PRIMARY KEY,
        process_id    ${T} NOT NULL,
        version       INTEGER NOT NULL,
        name          ${T},
        deployment_id ${T} NOT NULL,
        resource_name ${T} NOT NULL,
        xml           TEXT NOT NULL,
        model         TEXT NOT NULL,
        checksum      ${T} NOT NULL,
        deployed_at   BIGINT NOT NULL,
        deployed_by   ${T},
        owners        TEXT,
        UNIQUE (process_id, version)
      );

      CREATE TABLE resources (
        id            ${T} PRIMARY KEY,
        kind          ${T} NOT NULL,
        name          ${T} NOT NULL,
        content       TEXT NOT NULL,
        deployment_id ${T} NOT NULL,
        deployed_at   BIGINT NOT NULL,
        deployed_by   ${T},
        owners        TEXT
      );
      CREATE INDEX resources_kind ON resources (kind, id);

      CREATE TABLE instances (
        id                 ${T} PRIMARY KEY,
        process_id         ${T} NOT NULL,
        version            INTEGER NOT NULL,
        definition_key     ${T} NOT NULL,
        business_key       ${T},
        state              ${T} NOT NULL,
        rev                INTEGER NOT NULL,
        snapshot           TEXT NOT NULL,
        variables          TEXT NOT NULL,
        active_elements    TEXT NOT NULL,
        parent_instance_id ${T},
        parent_wait_id     ${T},
        started_at         BIGINT NOT NULL,
        ended_at           BIGINT,
        started_by         ${T},
        head_seq           INTEGER,
        head_hash          ${T},
        head_seal          TEXT,
        head_key_id        ${T},
        -- the head seq the latest checkpoint holds: instances whose chain grew since are "dirty"
        checkpointed_seq   INTEGER NOT NULL DEFAULT 0
      );
      -- one index per way GET /instances pages (ORDER BY started_at, id after a cursor)
      CREATE INDEX instances_started ON instances (started_at, id);
      CREATE INDEX instances_process ON instances (process_id, started_at, id);
      CREATE INDEX instances_state ON instances (state, started_at, id);
      CREATE INDEX instances_process_state ON instances (process_id, state, started_at, id);
      CREATE INDEX instances_business_key ON instances (business_key, started_at, id);
      CREATE INDEX instances_parent ON instances (parent_instance_id, started_at, id);
      CREATE INDEX instances_started_by ON instances (started_by, started_at, id);
      CREATE INDEX instances_uncheckpointed ON instances (id) WHERE head_seq > checkpointed_seq;
      CREATE INDEX instances_unsealed ON instances (id) WHERE head_seal IS NULL;

      -- Append-only audit trail; the trigger below refuses UPDATE and DELETE.
      CREATE TABLE history (
        instance_id ${T} NOT NULL,
        seq         INTEGER NOT NULL,
        at          BIGINT NOT NULL,
        type        ${T} NOT NULL,
        element_id  ${T},
        actor       ${T} NOT NULL,
        data        TEXT,
        prev_hash   ${T} NOT NULL,
        hash        ${T} NOT NULL,
        PRIMARY KEY (instance_id, seq)
      );
      CREATE FUNCTION history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'history is append-only'; END $$;
      CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON history
        FOR EACH ROW EXECUTE FUNCTION history_append_only();
      CREATE TRIGGER history_no_truncate BEFORE TRUNCATE ON history
        FOR EACH STATEMENT EXECUTE FUNCTION history_append_only();

      CREATE TABLE tasks (
        id               ${T} PRIMARY KEY,
        instance_id      ${T} NOT NULL,
        process_id       ${T} NOT NULL,
        element_id       ${T} NOT NULL,
        wait_id          ${T} NOT NULL,
        name             ${T},
        state            ${T} NOT NULL,
        assignee         ${T},
        candidate_groups TEXT NOT NULL,
        candidate_users  TEXT NOT NULL,
        due_date         BIGINT,
        follow_up_date   BIGINT,
        form_id          ${T},
        form_key         ${T},
        priority         INTEGER,
        variables        TEXT NOT NULL,
        created_at       BIGINT NOT NULL,
        completed_at     BIGINT,
        completed_by     ${T},
        excluded_users   TEXT,
        subject          TEXT,
        seat_group       ${T}
      );
      CREATE INDEX tasks_state ON tasks (state, created_at, id);
      CREATE INDEX tasks_created ON tasks (created_at, id);
      CREATE INDEX tasks_assignee ON tasks (assignee, state, created_at, id);
      CREATE INDEX tasks_instance ON tasks (instance_id, created_at, id);
      CREATE INDEX tasks_process ON tasks (process_id, state, created_at, id);

      -- Candidate groups (kind 'g') and users (kind 'u') of a task with its state and createdAt copied
      -- in: "created tasks of group X, oldest first, after a cursor" is one range scan.
      CREATE TABLE task_candidates (
        task_id    ${T} NOT NULL,
        kind       ${T} NOT NULL,
        name       ${T} NOT NULL,
        state      ${T} NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (task_id, kind, name)
      );
      CREATE INDEX candidates_by_name ON task_candidates (kind, name, state, created_at, task_id);

      CREATE TABLE jobs (
        key             ${T} PRIMARY KEY,
        type            ${T} NOT NULL,
        instance_id     ${T} NOT NULL,
        process_id      ${T} NOT NULL,
        element_id      ${T} NOT NULL,
        wait_id         ${T} NOT NULL,
        state           ${T} NOT NULL,
        retries         INTEGER NOT NULL,
        initial_retries INTEGER NOT NULL,
        worker          ${T},
        lock_expires_at BIGINT,
        not_before      BIGINT,
        variables       TEXT NOT NULL,
        custom_headers  TEXT NOT NULL,
        error_message   TEXT,
        created_at      BIGINT NOT NULL
      );
      -- Only live jobs: stays small however many finished jobs pile up; its order is activation's.
      CREATE INDEX jobs_live ON jobs (type, created_at, key) WHERE state IN ('activatable', 'activated');

      CREATE TABLE timers (
        id             ${T} PRIMARY KEY,
        instance_id    ${T},
        definition_key ${T},
        element_id     ${T} NOT NULL,
        wait_id        ${T},
        due_at         BIGINT NOT NULL,
        state          ${T} NOT NULL,
        repeat         TEXT,
        created_at     BIGINT NOT NULL,
        fired_at       BIGINT
      );
      CREATE INDEX timers_due ON timers (due_at, id) WHERE state = 'scheduled';
      CREATE INDEX timers_definition ON timers (definition_key, state);

      CREATE TABLE subscriptions (
        id              ${T} PRIMARY KEY,
        kind            ${T} NOT NULL,
        name            ${T} NOT NULL,
        correlation_key ${T},
        instance_id     ${T} NOT NULL,
        element_id      ${T} NOT NULL,
        wait_id         ${T} NOT NULL,
        created_at      BIGINT NOT NULL
      );
      CREATE INDEX subscriptions_lookup ON subscriptions (kind, name, correlation_key, created_at, id);

      CREATE TABLE messages (
        id              ${T} PRIMARY KEY,
        name            ${T} NOT NULL,
        correlation_key ${T} NOT NULL,
        variables       TEXT NOT NULL,
        message_id      ${T},
        published_at    BIGINT NOT NULL,
        expires_at      BIGINT NOT NULL
      );
      CREATE INDEX messages_lookup ON messages (name, correlation_key, published_at, id);
      CREATE INDEX messages_message_id ON messages (message_id) WHERE message_id IS NOT NULL;
      CREATE INDEX messages_expiry ON messages (expires_at);

      CREATE TABLE message_consumption (
        message_id  ${T} NOT NULL,
        instance_id ${T} NOT NULL,
        PRIMARY KEY (message_id, instance_id)
      );

      CREATE TABLE incidents (
        id          ${T} PRIMARY KEY,
        instance_id ${T} NOT NULL,
        process_id  ${T} NOT NULL,
        element_id  ${T} NOT NULL,
        job_key     ${T},
        wait_id     ${T},
        type        ${T} NOT NULL,
        message     TEXT NOT NULL,
        state       ${T} NOT NULL,
        created_at  BIGINT NOT NULL,
        resolved_at BIGINT
      );
      CREATE INDEX incidents_instance ON incidents (instance_id, created_at, id);
      CREATE INDEX incidents_state ON incidents (state, created_at, id);

      -- seq keeps insertion order among rows created in the same millisecond.
      CREATE TABLE outbox (
        seq        BIGSERIAL PRIMARY KEY,
        id         ${T} NOT NULL UNIQUE,
        kind       ${T} NOT NULL,
        payload    TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX outbox_pending ON outbox (created_at, seq);

      CREATE TABLE checkpoints (
        seq       INTEGER PRIMARY KEY,
        at        BIGINT NOT NULL,
        heads     TEXT NOT NULL,
        prev_hash ${T} NOT NULL,
        hash      ${T} NOT NULL,
        signature TEXT NOT NULL,
        key_id    ${T} NOT NULL
      );
      CREATE TABLE checkpoint_heads (
        instance_id ${T} NOT NULL,
        checkpoint  INTEGER NOT NULL,
        seq         INTEGER NOT NULL,
        hash        ${T} NOT NULL,
        PRIMARY KEY (instance_id, checkpoint)
      );
    `,
  },
  {
    version: 2,
    description: "drafts: the modeler's unsaved work per user and process",
    sql: `
      CREATE TABLE drafts (
        id          ${T} PRIMARY KEY,
        user_id     ${T} NOT NULL,
        process_id  ${T} NOT NULL,
        name        TEXT,
        xml         TEXT NOT NULL,
        forms       TEXT NOT NULL,
        size        BIGINT NOT NULL,
        updated_at  BIGINT NOT NULL
      );
      CREATE INDEX drafts_user ON drafts (user_id, updated_at);
    `,
  },
  {
    version: 3,
    description: 'task desk: saved task list views per user, task attachments',
    sql: `
      CREATE TABLE task_views (
        id         ${T} PRIMARY KEY,
        owner      ${T} NOT NULL,
        name       ${T} NOT NULL,
        query      TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX task_views_owner ON task_views (owner, name);

      CREATE TABLE attachments (
        id           ${T} PRIMARY KEY,
        task_id      ${T} NOT NULL,
        instance_id  ${T} NOT NULL,
        name         TEXT NOT NULL,
        content_type ${T} NOT NULL,
        size         BIGINT NOT NULL,
        sha256       ${T} NOT NULL,
        content      TEXT NOT NULL,
        uploaded_by  ${T} NOT NULL,
        uploaded_at  BIGINT NOT NULL
      );
      CREATE INDEX attachments_instance ON attachments (instance_id, uploaded_at, id);
    `,
  },
  {
    version: 4,
    description: 'ticket numbers (a counter per prefix) and links between tickets',
    sql: `
      CREATE TABLE ticket_counters (
        prefix ${T} PRIMARY KEY,
        value  BIGINT NOT NULL
      );

      CREATE TABLE links (
        id         ${T} PRIMARY KEY,
        from_id    ${T} NOT NULL,
        to_id      ${T} NOT NULL,
        kind       ${T} NOT NULL,
        from_key   ${T},
        to_key     ${T},
        created_at BIGINT NOT NULL,
        created_by ${T} NOT NULL
      );
      CREATE INDEX links_from ON links (from_id, created_at, id);
      CREATE INDEX links_to ON links (to_id, created_at, id);
    `,
  },
  {
    version: 5,
    description: 'SLA records: every SLA target of every instance, met or breached, for SLA reports',
    sql: `
      CREATE TABLE sla_records (
        id               ${T} PRIMARY KEY,
        instance_id      ${T} NOT NULL,
        process_id       ${T} NOT NULL,
        ticket           ${T},
        kind             ${T} NOT NULL,
        round            BIGINT NOT NULL,
        priority         BIGINT,
        assignment_group ${T},
        calendar         ${T},
        target           ${T},
        due_at           BIGINT,
        status           ${T} NOT NULL,
        paused_seconds   BIGINT NOT NULL,
        completed_at     BIGINT NOT NULL
      );
      CREATE INDEX sla_records_completed ON sla_records (completed_at, id);
    `,
  },
  {
    version: 6,
    description: 'external keys: numeric keys of string ids, for numeric-key APIs (Camunda 8 /v2)',
    sql: `
      CREATE TABLE external_keys (
        key  BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        kind ${T} NOT NULL,
        id   ${T} NOT NULL,
        UNIQUE (kind, id)
      );
    `,
  },
];

/** The schema version a fully migrated database has. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** The version recorded in `schema`, 0 when the store's tables are not there yet. */
export async function schemaVersion(c: pg.ClientBase): Promise<number> {
  const exists = await c.query(`SELECT to_regclass('schema_version') IS NOT NULL AS present`);
  if (!exists.rows[0].present) return 0;
  const r = await c.query('SELECT version FROM schema_version');
  return r.rows.length ? (r.rows[0].version as number) : 0;
}

/**
 * Brings the schema `schema` up to the last migration. Idempotent; safe from several processes at once.
 * Refuses a schema written by a newer ProcessDesk. Returns the versions it applied.
 */
export async function migrate(pool: pg.Pool, schema: string, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const latest = migrations.length ? migrations[migrations.length - 1].version : 0;
  const applied: number[] = [];
  await withConnection(pool, async (c) => {
    for (const m of [{ version: 0, description: 'schema', sql: '' }, ...migrations]) {
      await c.query('BEGIN');
      try {
        await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        if (m.version === 0) {
          // CREATE SCHEMA IF NOT EXISTS is not safe against a concurrent one; the lock makes it so
          await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
          await c.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
          await c.query('COMMIT');
          continue;
        }
        const current = await schemaVersion(c);
        if (current > latest) throw new Error(`database schema version ${current} is newer than this build supports (${latest})`);
        if (current >= m.version) {
          await c.query('COMMIT');
          continue;
        }
        if (current !== m.version - 1) throw new Error(`cannot migrate from schema version ${current} to ${m.version}: missing migration`);
        await c.query(m.sql);
        await c.query('DELETE FROM schema_version');
        await c.query('INSERT INTO schema_version (version) VALUES ($1)', [m.version]);
        await c.query('COMMIT');
        applied.push(m.version);
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined); // a broken connection is dropped by withConnection
        throw err;
      }
    }
    const current = await schemaVersion(c);
    if (current > latest) throw new Error(`database schema version ${current} is newer than this build supports (${latest})`);
    // The specs describe a schema of the latest version (a partial migration, in tests, stops short of it).
    if (current === SCHEMA_VERSION) await addSpecColumns(c);
  });
  return applied;
}

/**
 * Adds the columns the table specs (store/types.ts) have and the tables lack, as the embedded store
 * does: a field added to a row needs no migration of its own. Under the migration lock, so two
 * processes starting together add each column once. Returns the columns added, as `table.column`.
 */
export async function addSpecColumns(c: pg.ClientBase): Promise<string[]> {
  const added: string[] = [];
  await c.query('BEGIN');
  try {
    await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    for (const [table, spec] of Object.entries(TABLES) as [TableName, (typeof TABLES)[TableName]][]) {
      const r = await c.query('SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1', [table]);
      const present = new Set(r.rows.map((row: { column_name: string }) => row.column_name));
      for (const [name, f] of Object.entries(spec)) {
        for (const col of fieldColumns(name, f)) {
          if (present.has(col.column)) continue;
          await c.query(`ALTER TABLE ${table} ADD COLUMN ${col.column} ${col.type === 'INTEGER' ? 'BIGINT' : T}`);
          added.push(`${table}.${col.column}`);
        }
      }
    }
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
  return added;
}
