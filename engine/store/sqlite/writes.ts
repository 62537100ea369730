/**
 * The write paths of the SQLite store. Each function here runs inside its own SAVEPOINT of a group
 * transaction (IMMEDIATE, see groupCommit.ts); throwing rolls back that write alone.
 */
import {
  ConflictError,
  type CheckpointHead,
  type CheckpointRow,
  type CommitBatch,
  type DefinitionRow,
  type HistoryEvent,
  type JobRow,
  type MessageRow,
  type ResourceRow,
  type SealedHead,
  type TaskRow,
  type TimerRow,
} from '../types';
import * as map from './rowMapping';
import type { DbRow } from './rowMapping';
import { insertRowsSql, insertSql, sqliteCode, type Statements, updateSql, upsertSql } from './sql';

/**
 * Columns an instance never changes after its start: left out of the UPDATE so their indexes are not
 * rewritten. Not version and definition_key: a migration moves an instance to another version.
 */
const IMMUTABLE_INSTANCE_COLUMNS = new Set(['id', 'process_id', 'business_key', 'parent_instance_id', 'parent_wait_id', 'started_at', 'started_by']);

const INSTANCE_UPDATE = updateSql(
  'instances',
  map.COLUMNS.instances.filter((c) => !IMMUTABLE_INSTANCE_COLUMNS.has(c)),
  'id = @id AND rev = @expected_rev',
);

export const JOB_UPDATE = updateSql(
  'jobs',
  map.COLUMNS.jobs.filter((c) => c !== 'key'),
  'key = @key',
);

const SUBSCRIBE = `${insertSql('subscriptions', map.COLUMNS.subscriptions)} ON CONFLICT (id) DO NOTHING`;
const LINK = `${insertSql('links', map.COLUMNS.links)} ON CONFLICT (id) DO NOTHING`;

/** Applies a CommitBatch: optimistic revision check, then every row of the batch. */
export function applyCommit(sql: Statements, b: CommitBatch): void {
  const inst = b.instance;
  if (b.expectedRev === null) {
    if (sql.get('SELECT 1 FROM instances WHERE id = ?').get(inst.id)) {
      throw new ConflictError(`instance ${inst.id} already exists`);
    }
    sql.get(insertSql('instances', map.COLUMNS.instances)).run(map.toParams('instances', inst));
  } else {
    if (inst.rev !== b.expectedRev + 1) {
      throw new Error(`commit of instance ${inst.id}: rev must be expectedRev + 1 (${b.expectedRev + 1}), got ${inst.rev}`);
    }
    const changed = sql.get(INSTANCE_UPDATE).run({ ...map.toParams('instances', inst), expected_rev: b.expectedRev }).changes;
    if (changed === 0) {
      const current = sql.get('SELECT rev FROM instances WHERE id = ?').get(inst.id) as { rev: number } | undefined;
      throw new ConflictError(
        current ? `instance ${inst.id} is at rev ${current.rev}, expected ${b.expectedRev}` : `instance ${inst.id} does not exist (expected rev ${b.expectedRev})`,
      );
    }
  }

  insertHistory(sql, b.history);
  for (const t of b.tasks?.upsert ?? []) upsertTask(sql, t);
  for (const j of b.jobs?.upsert ?? []) sql.get(upsertSql('jobs', map.COLUMNS.jobs, 'key')).run(map.toParams('jobs', j));
  for (const t of b.timers?.upsert ?? []) upsertTimer(sql, t);
  // Deletes first, so a subscription deleted and re-created by the same command survives.
  for (const id of b.subscriptions?.deleteIds ?? []) sql.get('DELETE FROM subscriptions WHERE id = ?').run(id);
  const subscribe = sql.get(SUBSCRIBE);
  for (const s of b.subscriptions?.insert ?? []) subscribe.run(map.toParams('subscriptions', s));
  for (const i of b.incidents?.upsert ?? []) {
    sql.get(upsertSql('incidents', map.COLUMNS.incidents, 'id')).run(map.toParams('incidents', i));
  }
  for (const r of b.slaRecords?.upsert ?? []) sql.get(upsertSql('sla_records', map.COLUMNS.sla_records, 'id')).run(map.toParams('sla_records', r));
  const consume = sql.get('INSERT OR IGNORE INTO message_consumption (message_id, instance_id) VALUES (?, ?)');
  for (const messageId of b.consumedMessages ?? []) consume.run(messageId, inst.id);
  for (const o of b.outbox ?? []) sql.get(insertSql('outbox', map.COLUMNS.outbox)).run(map.toParams('outbox', o));
  if (b.ticket) takeTicketNumber(sql, b.ticket.prefix, b.ticket.number);
  const link = sql.get(LINK);
  for (const l of b.links ?? []) link.run(map.toParams('links', l));
}

/** Rows of history one INSERT writes at most (9 columns each: far below SQLite's parameter limit). */
const HISTORY_ROWS_PER_INSERT = 16;

/**
 * History is insert-only: a seq that exists already fails the whole commit. A command's events go in
 * one multi-row INSERT (chunks of HISTORY_ROWS_PER_INSERT); when a constraint fails, SQLite has undone
 * the chunk, and it is written again row by row, so that the error names the row (a duplicate by its seq).
 */
function insertHistory(sql: Statements, events: readonly HistoryEvent[]): void {
  for (let i = 0; i < events.length; i += HISTORY_ROWS_PER_INSERT) {
    const chunk = events.slice(i, i + HISTORY_ROWS_PER_INSERT);
    try {
      sql.get(insertRowsSql('history', map.COLUMNS.history, chunk.length)).run(chunk.flatMap((e) => map.toValues('history', e)));
    } catch (err) {
      if (!sqliteCode(err)?.startsWith('SQLITE_CONSTRAINT')) throw err;
      const one = sql.get(insertRowsSql('history', map.COLUMNS.history, 1));
      for (const e of chunk) {
        try {
          one.run(map.toValues('history', e));
        } catch (rowErr) {
          if (sqliteCode(rowErr) === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new Error(`history event ${e.seq} of instance ${e.instanceId} already exists`, { cause: rowErr });
          throw rowErr;
        }
      }
    }
  }
}

/** Moves the counter of `prefix` from `number - 1` to `number`; ConflictError when another commit took it. */
function takeTicketNumber(sql: Statements, prefix: string, number: number): void {
  const taken =
    number === 1
      ? sql.get('INSERT INTO ticket_counters (prefix, value) VALUES (?, 1) ON CONFLICT (prefix) DO NOTHING').run(prefix).changes
      : sql.get('UPDATE ticket_counters SET value = ? WHERE prefix = ? AND value = ?').run(number, prefix, number - 1).changes;
  if (taken === 0) throw new ConflictError(`ticket number ${number} of ${prefix} was taken by another commit`);
}

/**
 * Writes a task. An existing row is updated in the columns that changed alone, so an index over columns
 * that did not change (a completion changes neither the instance nor the creation time) is not
 * rewritten. Its rows in task_candidates (which copy its state and createdAt) are rewritten when its
 * candidates change, else only their state updated, and not touched when neither changed (a claim).
 */
export function upsertTask(sql: Statements, t: TaskRow): void {
  const params = map.toParams('tasks', t);
  // An open task is mostly a new one (a claim is the exception): try the insert first, which saves
  // reading for a row that is not there. A done task mostly exists: read first (inserted if it does not).
  if (t.state === 'created' && sql.get(TASK_INSERT_NEW).run(params).changes === 1) {
    addCandidates(sql, t);
    return;
  }
  const before = sql.get(TASK_ROW).get(t.id) as DbRow | undefined;
  if (!before) {
    sql.get(TASK_INSERT).run(params);
    addCandidates(sql, t);
    return;
  }
  const changed = map.COLUMNS.tasks.filter((c) => before[c] !== params[c]);
  if (changed.length) sql.get(taskUpdate(changed)).run(params);
  if (before.candidate_groups === params.candidate_groups && before.candidate_users === params.candidate_users) {
    if (before.state !== params.state || before.created_at !== params.created_at) sql.get(CANDIDATES_STATE).run(t.state, t.createdAt, t.id);
    return;
  }
  sql.get('DELETE FROM task_candidates WHERE task_id = ?').run(t.id);
  addCandidates(sql, t);
}

function addCandidates(sql: Statements, t: TaskRow): void {
  const add = sql.get('INSERT INTO task_candidates (task_id, kind, name, state, created_at) VALUES (?, ?, ?, ?, ?)');
  for (const g of new Set(t.candidateGroups ?? [])) add.run(t.id, 'g', g, t.state, t.createdAt);
  for (const u of new Set(t.candidateUsers ?? [])) add.run(t.id, 'u', u, t.state, t.createdAt);
}

const TASK_ROW = 'SELECT * FROM tasks WHERE id = ?';
const TASK_INSERT = insertSql('tasks', map.COLUMNS.tasks);
const TASK_INSERT_NEW = `${TASK_INSERT} ON CONFLICT (id) DO NOTHING`;
const CANDIDATES_STATE = 'UPDATE task_candidates SET state = ?, created_at = ? WHERE task_id = ?';

/**
 * The UPDATE of a task's changed columns. The column sets commands change are few (a claim, a
 * completion, a reassignment...); past TASK_UPDATE_TEXTS distinct sets every column is written, so the
 * statement cache stays bounded whatever happens.
 */
const TASK_UPDATE_TEXTS = 64;
const taskUpdates = new Map<string, string>();
const TASK_UPDATE_ALL = updateSql('tasks', map.COLUMNS.tasks, 'id = @id');
function taskUpdate(columns: string[]): string {
  const key = columns.join(',');
  let text = taskUpdates.get(key);
  if (!text) {
    if (taskUpdates.size >= TASK_UPDATE_TEXTS) return TASK_UPDATE_ALL;
    text = updateSql('tasks', columns, 'id = @id');
    taskUpdates.set(key, text);
  }
  return text;
}

export function upsertTimer(sql: Statements, t: TimerRow): void {
  sql.get(upsertSql('timers', map.COLUMNS.timers, 'id')).run(map.toParams('timers', t));
}

/** Inserts definitions (ConflictError if a processId + version exists) and upserts resources. */
export function saveDefinitions(sql: Statements, defs: DefinitionRow[], resources: ResourceRow[]): void {
  for (const d of defs) {
    try {
      sql.get(insertSql('definitions', map.COLUMNS.definitions)).run(map.toParams('definitions', d));
    } catch (err) {
      const code = sqliteCode(err);
      if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new ConflictError(`definition ${d.processId} version ${d.version} already exists`);
      }
      throw err;
    }
  }
  for (const r of resources) sql.get(upsertSql('resources', map.COLUMNS.resources, 'id')).run(map.toParams('resources', r));
}

/**
 * Live jobs of a type, oldest first. `state IN (...)` matches the partial index jobs_live, which
 * then yields rows in ORDER BY order (no sort). Parameters: type, now, now, max.
 */
export const ACTIVATE_JOBS = `SELECT * FROM jobs WHERE type = ? AND state IN ('activatable', 'activated')
  AND (state = 'activatable' OR lock_expires_at <= ?)
  AND (not_before IS NULL OR not_before <= ?)
  ORDER BY created_at, key LIMIT ?`;

/**
 * Live jobs of every type in index order (the partial index jobs_live holds only live rows, so a page
 * never reads finished jobs). Parameters: limit; or type, createdAt, key of the last row seen, limit.
 */
export const LIVE_JOBS = `SELECT * FROM jobs INDEXED BY jobs_live WHERE state IN ('activatable', 'activated')
  ORDER BY type, created_at, key LIMIT ?`;
export const LIVE_JOBS_AFTER = `SELECT * FROM jobs INDEXED BY jobs_live WHERE state IN ('activatable', 'activated')
  AND (type, created_at, key) > (?, ?, ?) ORDER BY type, created_at, key LIMIT ?`;

/** Picks and locks up to `max` jobs; the transaction keeps two workers from getting the same job. */
export function activateJobs(sql: Statements, type: string, worker: string, max: number, lockMs: number, now: number): JobRow[] {
  const rows = sql.get(ACTIVATE_JOBS).all(type, now, now, max) as DbRow[];
  const lockExpiresAt = now + lockMs;
  const lock = sql.get(`UPDATE jobs SET state = 'activated', worker = ?, lock_expires_at = ? WHERE key = ?`);
  return rows.map((r) => {
    lock.run(worker, lockExpiresAt, r.key);
    return { ...map.fromDb('jobs', r), state: 'activated', worker, lockExpiresAt };
  });
}

/** Cancels the scheduled start timers of the given definitions, then upserts `timers`. */
export function saveStartTimers(sql: Statements, timers: TimerRow[], cancelKeys: string[]): void {
  if (cancelKeys.length) {
    sql
      .get(
        `UPDATE timers SET state = 'canceled' WHERE state = 'scheduled' AND instance_id IS NULL
           AND definition_key IN (SELECT value FROM json_each(?))`,
      )
      .run(JSON.stringify(cancelKeys));
  }
  for (const t of timers) upsertTimer(sql, t);
}

/** Fires a still-scheduled timer (and schedules `next`); false if it was fired or canceled already. */
export function fireStartTimer(sql: Statements, id: string, next: TimerRow | undefined, now: number): boolean {
  const fired = sql.get(`UPDATE timers SET state = 'fired', fired_at = ? WHERE id = ? AND state = 'scheduled'`).run(now, id).changes === 1;
  if (fired && next) upsertTimer(sql, next);
  return fired;
}

/** Buffers a message unless a live message with the same messageId exists. */
export function bufferMessage(sql: Statements, m: MessageRow): boolean {
  if (m.messageId !== undefined && m.messageId !== null) {
    const live = sql.get('SELECT 1 FROM messages WHERE message_id = ? AND expires_at > ? LIMIT 1').get(m.messageId, m.publishedAt);
    if (live) return false;
  }
  try {
    sql.get(insertSql('messages', map.COLUMNS.messages)).run(map.toParams('messages', m));
  } catch (err) {
    if (sqliteCode(err) === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new ConflictError(`message ${m.id} already exists`);
    throw err;
  }
  return true;
}

/** Deletes expired messages and their consumption records; returns how many messages. */
export function deleteExpiredMessages(sql: Statements, now: number): number {
  sql.get('DELETE FROM message_consumption WHERE message_id IN (SELECT id FROM messages WHERE expires_at <= ?)').run(now);
  return sql.get('DELETE FROM messages WHERE expires_at <= ?').run(now).changes;
}

/**
 * The next checkpoint: the heads of instances whose chain grew since their last checkpoint, signed by
 * `build`, inserted with one index row per head; those instances are marked checkpointed at that head.
 */
export function writeCheckpoint(
  sql: Statements,
  build: (heads: CheckpointHead[], previous: CheckpointRow | undefined) => CheckpointRow | undefined,
  limit: number,
): CheckpointRow | undefined {
  const heads = (sql.get('SELECT id, head_seq, head_hash FROM instances WHERE head_seq > checkpointed_seq ORDER BY id LIMIT ?').all(limit) as DbRow[]).map((r) => ({
    instanceId: r.id as string,
    seq: r.head_seq as number,
    hash: r.head_hash as string,
  }));
  const last = sql.get('SELECT * FROM checkpoints ORDER BY seq DESC LIMIT 1').get() as DbRow | undefined;
  const checkpoint = build(heads, last ? map.fromDb('checkpoints', last) : undefined);
  if (!checkpoint) return undefined;
  try {
    sql.get(insertSql('checkpoints', map.COLUMNS.checkpoints)).run(map.toParams('checkpoints', checkpoint));
  } catch (err) {
    if (sqliteCode(err) === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new ConflictError(`checkpoint ${checkpoint.seq} already exists`);
    throw err;
  }
  const index = sql.get('INSERT INTO checkpoint_heads (instance_id, checkpoint, seq, hash) VALUES (?, ?, ?, ?)');
  const mark = sql.get('UPDATE instances SET checkpointed_seq = ? WHERE id = ? AND checkpointed_seq < ?');
  for (const h of checkpoint.heads) {
    index.run(h.instanceId, checkpoint.seq, h.seq, h.hash);
    mark.run(h.seq, h.instanceId, h.seq);
  }
  return checkpoint;
}

/** Records a sealed head on an instance that is still at `rev` (sealing instances stored before seals). */
export function sealHead(sql: Statements, id: string, rev: number, head: SealedHead): boolean {
  return (
    sql.get('UPDATE instances SET head_seq = ?, head_hash = ?, head_seal = ?, head_key_id = ? WHERE id = ? AND rev = ?').run(head.seq, head.hash, head.seal, head.keyId, id, rev)
      .changes === 1
  );
}
