/**
 * The write paths of the PostgreSQL store. Each function runs inside a transaction of its own
 * (pool.ts `transaction`), so a throw rolls back all of it.
 *
 * The revision check is the instance UPDATE's `WHERE rev = expected`: under READ COMMITTED a second
 * writer of the same revision waits for the first one's row lock, then re-checks the condition against
 * the committed row, matches nothing and fails with ConflictError. Nothing of that batch is written.
 */
import type pg from 'pg';
import {
  ConflictError,
  type CheckpointHead,
  type CheckpointRow,
  type CommitBatch,
  type DefinitionRow,
  type JobRow,
  type MessageRow,
  type ResourceRow,
  type SealedHead,
  type TaskRow,
  type TimerRow,
} from '../types';
import { pgCode, UNIQUE_VIOLATION } from './pool';
import * as map from './rowMapping';
import { COLUMNS, insertRows, lastPerKey, type PgParam, upsertRows } from './rowMapping';

type Client = pg.PoolClient;

/**
 * Columns an instance never changes after its start: left out of the UPDATE so their indexes are not
 * rewritten (PostgreSQL can then keep a HOT update when no indexed column changed).
 */
const IMMUTABLE_INSTANCE_COLUMNS = new Set(['id', 'process_id', 'business_key', 'parent_instance_id', 'parent_wait_id', 'started_at', 'started_by']);
const INSTANCE_UPDATE_COLUMNS = COLUMNS.instances.filter((c) => !IMMUTABLE_INSTANCE_COLUMNS.has(c));
const INSTANCE_UPDATE = `UPDATE instances SET ${INSTANCE_UPDATE_COLUMNS.map((c, i) => `${c} = $${i + 1}`).join(', ')}
  WHERE id = $${INSTANCE_UPDATE_COLUMNS.length + 1} AND rev = $${INSTANCE_UPDATE_COLUMNS.length + 2}`;

const JOB_UPDATE_COLUMNS = COLUMNS.jobs.filter((c) => c !== 'key');
/** Updates every column of a job but its key (retry bookkeeping outside a command). */
export const JOB_UPDATE = `UPDATE jobs SET ${JOB_UPDATE_COLUMNS.map((c, i) => `${c} = $${i + 1}`).join(', ')} WHERE key = $${JOB_UPDATE_COLUMNS.length + 1}`;

export function jobUpdateParams(job: JobRow): PgParam[] {
  const params = map.toParams('jobs', job);
  return [...JOB_UPDATE_COLUMNS.map((c) => params[c]), job.key];
}

/** Most rows per multi-row statement (PostgreSQL allows 65,535 parameters; tasks have 22 columns). */
const CHUNK = 1000;

async function inChunks<T>(rows: readonly T[], write: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await write(rows.slice(i, i + CHUNK));
}

async function run(c: Client, q: { text: string; values: PgParam[] }): Promise<pg.QueryResult> {
  return c.query(q.text, q.values);
}

/** Applies a CommitBatch: the revision check, then every row of the batch. */
export async function applyCommit(c: Client, b: CommitBatch): Promise<void> {
  const inst = b.instance;
  const params = map.toParams('instances', inst);
  if (b.expectedRev === null) {
    const q = insertRows('instances', [params]);
    const inserted = await c.query(`${q.text} ON CONFLICT (id) DO NOTHING`, q.values);
    if (inserted.rowCount === 0) throw new ConflictError(`instance ${inst.id} already exists`);
  } else {
    if (inst.rev !== b.expectedRev + 1) {
      throw new Error(`commit of instance ${inst.id}: rev must be expectedRev + 1 (${b.expectedRev + 1}), got ${inst.rev}`);
    }
    const updated = await c.query(INSTANCE_UPDATE, [...INSTANCE_UPDATE_COLUMNS.map((col) => params[col]), inst.id, b.expectedRev]);
    if (updated.rowCount === 0) {
      const current = await c.query('SELECT rev FROM instances WHERE id = $1', [inst.id]);
      throw new ConflictError(
        current.rows.length
          ? `instance ${inst.id} is at rev ${current.rows[0].rev}, expected ${b.expectedRev}`
          : `instance ${inst.id} does not exist (expected rev ${b.expectedRev})`,
      );
    }
  }

  // History is insert-only: a seq that exists already fails the whole commit.
  try {
    await inChunks(b.history, (events) =>
      run(
        c,
        insertRows(
          'history',
          events.map((row) => map.toParams('history', row)),
        ),
      ),
    );
  } catch (err) {
    if (pgCode(err) === UNIQUE_VIOLATION) throw new Error(`commit of instance ${inst.id}: a history event seq already exists (${(err as Error).message})`, { cause: err });
    throw err;
  }
  await upsertTasks(c, b.tasks?.upsert ?? []);
  await inChunks(
    lastPerKey(b.jobs?.upsert ?? [], (j) => j.key),
    (jobs) =>
      run(
        c,
        upsertRows(
          'jobs',
          'key',
          jobs.map((row) => map.toParams('jobs', row)),
        ),
      ),
  );
  await upsertTimers(c, b.timers?.upsert ?? []);
  // Deletes first, so a subscription deleted and re-created by the same command survives.
  const deleteIds = b.subscriptions?.deleteIds ?? [];
  if (deleteIds.length) await c.query('DELETE FROM subscriptions WHERE id = ANY($1)', [deleteIds]);
  await inChunks(b.subscriptions?.insert ?? [], async (subs) => {
    const q = insertRows(
      'subscriptions',
      subs.map((row) => map.toParams('subscriptions', row)),
    );
    await c.query(`${q.text} ON CONFLICT (id) DO NOTHING`, q.values);
  });
  await inChunks(
    lastPerKey(b.incidents?.upsert ?? [], (i) => i.id),
    (incidents) =>
      run(
        c,
        upsertRows(
          'incidents',
          'id',
          incidents.map((row) => map.toParams('incidents', row)),
        ),
      ),
  );
  await inChunks(
    lastPerKey(b.slaRecords?.upsert ?? [], (r) => r.id),
    (records) =>
      run(
        c,
        upsertRows(
          'sla_records',
          'id',
          records.map((row) => map.toParams('sla_records', row)),
        ),
      ),
  );
  const consumed = b.consumedMessages ?? [];
  if (consumed.length) {
    await c.query(`INSERT INTO message_consumption (message_id, instance_id) SELECT m, $2 FROM unnest($1::text[]) AS m ON CONFLICT DO NOTHING`, [consumed, inst.id]);
  }
  await inChunks(b.outbox ?? [], (rows) =>
    run(
      c,
      insertRows(
        'outbox',
        rows.map((row) => map.toParams('outbox', row)),
      ),
    ),
  );
  if (b.ticket) await takeTicketNumber(c, b.ticket.prefix, b.ticket.number);
  await inChunks(
    lastPerKey(b.links ?? [], (l) => l.id),
    async (links) => {
      const q = insertRows(
        'links',
        links.map((row) => map.toParams('links', row)),
      );
      await c.query(`${q.text} ON CONFLICT (id) DO NOTHING`, q.values);
    },
  );
}

/**
 * Moves the counter of `prefix` from `number - 1` to `number`. A concurrent commit of the same number
 * waits for the first one's row lock (or its uncommitted insert), then matches nothing: ConflictError.
 */
async function takeTicketNumber(c: Client, prefix: string, number: number): Promise<void> {
  const taken =
    number === 1
      ? await c.query('INSERT INTO ticket_counters (prefix, value) VALUES ($1, 1) ON CONFLICT (prefix) DO NOTHING', [prefix])
      : await c.query('UPDATE ticket_counters SET value = $1 WHERE prefix = $2 AND value = $3', [number, prefix, number - 1]);
  if (taken.rowCount === 0) throw new ConflictError(`ticket number ${number} of ${prefix} was taken by another commit`);
}

/** Upserts tasks and rewrites their rows in task_candidates (which copy each task's state and createdAt). */
export async function upsertTasks(c: Client, all: TaskRow[]): Promise<void> {
  const tasks = lastPerKey(all, (t) => t.id);
  if (!tasks.length) return;
  await inChunks(tasks, (chunk) =>
    run(
      c,
      upsertRows(
        'tasks',
        'id',
        chunk.map((row) => map.toParams('tasks', row)),
      ),
    ),
  );
  await c.query('DELETE FROM task_candidates WHERE task_id = ANY($1)', [tasks.map((t) => t.id)]);
  const cand: { id: string[]; kind: string[]; name: string[]; state: string[]; at: number[] } = { id: [], kind: [], name: [], state: [], at: [] };
  const add = (t: TaskRow, kind: string, name: string) => {
    cand.id.push(t.id);
    cand.kind.push(kind);
    cand.name.push(name);
    cand.state.push(t.state);
    cand.at.push(t.createdAt);
  };
  for (const t of tasks) {
    for (const g of new Set(t.candidateGroups ?? [])) add(t, 'g', g);
    for (const u of new Set(t.candidateUsers ?? [])) add(t, 'u', u);
  }
  if (cand.id.length) {
    await c.query(
      `INSERT INTO task_candidates (task_id, kind, name, state, created_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])`,
      [cand.id, cand.kind, cand.name, cand.state, cand.at],
    );
  }
}

export async function upsertTimers(c: Client, timers: TimerRow[]): Promise<void> {
  await inChunks(
    lastPerKey(timers, (t) => t.id),
    (chunk) =>
      run(
        c,
        upsertRows(
          'timers',
          'id',
          chunk.map((row) => map.toParams('timers', row)),
        ),
      ),
  );
}

/** Inserts definitions (ConflictError if a processId + version exists) and upserts resources. */
export async function saveDefinitions(c: Client, defs: DefinitionRow[], resources: ResourceRow[]): Promise<void> {
  for (const d of defs) {
    try {
      await run(c, insertRows('definitions', [map.toParams('definitions', d)]));
    } catch (err) {
      if (pgCode(err) === UNIQUE_VIOLATION) throw new ConflictError(`definition ${d.processId} version ${d.version} already exists`);
      throw err;
    }
  }
  for (const r of lastPerKey(resources, (x) => x.id)) await run(c, upsertRows('resources', 'id', [map.toParams('resources', r)]));
}

/** Cancels the scheduled start timers of the given definitions, then upserts `timers`. */
export async function saveStartTimers(c: Client, timers: TimerRow[], cancelKeys: string[]): Promise<void> {
  if (cancelKeys.length) {
    await c.query(`UPDATE timers SET state = 'canceled' WHERE state = 'scheduled' AND instance_id IS NULL AND definition_key = ANY($1)`, [cancelKeys]);
  }
  await upsertTimers(c, timers);
}

/** Fires a still-scheduled timer (and schedules `next`); false if it was fired or canceled already. */
export async function fireStartTimer(c: Client, id: string, next: TimerRow | undefined, now: number): Promise<boolean> {
  const fired = (await c.query(`UPDATE timers SET state = 'fired', fired_at = $1 WHERE id = $2 AND state = 'scheduled'`, [now, id])).rowCount === 1;
  if (fired && next) await upsertTimers(c, [next]);
  return fired;
}

/**
 * Buffers a message unless a live message with the same messageId exists. A transaction-scoped
 * advisory lock on the messageId makes check-then-insert atomic across processes.
 */
export async function bufferMessage(c: Client, m: MessageRow): Promise<boolean> {
  if (m.messageId !== undefined && m.messageId !== null) {
    await c.query(`SELECT pg_advisory_xact_lock(hashtextextended('processdesk.message:' || $1, 0))`, [m.messageId]);
    const live = await c.query('SELECT 1 FROM messages WHERE message_id = $1 AND expires_at > $2 LIMIT 1', [m.messageId, m.publishedAt]);
    if (live.rows.length) return false;
  }
  try {
    await run(c, insertRows('messages', [map.toParams('messages', m)]));
  } catch (err) {
    if (pgCode(err) === UNIQUE_VIOLATION) throw new ConflictError(`message ${m.id} already exists`);
    throw err;
  }
  return true;
}

/** Deletes expired messages and their consumption records; returns how many messages. */
export async function deleteExpiredMessages(c: Client, now: number): Promise<number> {
  await c.query('DELETE FROM message_consumption WHERE message_id IN (SELECT id FROM messages WHERE expires_at <= $1)', [now]);
  return (await c.query('DELETE FROM messages WHERE expires_at <= $1', [now])).rowCount ?? 0;
}

/**
 * The next checkpoint: the heads of instances whose chain grew since their last checkpoint, signed by
 * `build`, with one index row per head; those instances are marked checkpointed at that head. Two
 * processes building the same checkpoint number: the second insert fails, ConflictError.
 */
export async function writeCheckpoint(
  c: Client,
  build: (heads: CheckpointHead[], previous: CheckpointRow | undefined) => CheckpointRow | undefined,
  limit: number,
): Promise<CheckpointRow | undefined> {
  const dirty = await c.query('SELECT id, head_seq, head_hash FROM instances WHERE head_seq > checkpointed_seq ORDER BY id LIMIT $1', [limit]);
  const heads = dirty.rows.map((r) => ({ instanceId: r.id as string, seq: r.head_seq as number, hash: r.head_hash as string }));
  const last = await c.query('SELECT * FROM checkpoints ORDER BY seq DESC LIMIT 1');
  const checkpoint = build(heads, last.rows.length ? map.fromDb('checkpoints', last.rows[0]) : undefined);
  if (!checkpoint) return undefined;
  try {
    await run(c, insertRows('checkpoints', [map.toParams('checkpoints', checkpoint)]));
  } catch (err) {
    if (pgCode(err) === UNIQUE_VIOLATION) throw new ConflictError(`checkpoint ${checkpoint.seq} already exists`);
    throw err;
  }
  if (checkpoint.heads.length) {
    const ids = checkpoint.heads.map((h) => h.instanceId);
    const seqs = checkpoint.heads.map((h) => h.seq);
    await c.query(
      `INSERT INTO checkpoint_heads (instance_id, checkpoint, seq, hash)
       SELECT i, $2, s, h FROM unnest($1::text[], $3::int[], $4::text[]) AS x(i, s, h)`,
      [ids, checkpoint.seq, seqs, checkpoint.heads.map((h) => h.hash)],
    );
    await c.query(
      `UPDATE instances SET checkpointed_seq = x.s FROM unnest($1::text[], $2::int[]) AS x(i, s)
        WHERE instances.id = x.i AND instances.checkpointed_seq < x.s`,
      [ids, seqs],
    );
  }
  return checkpoint;
}

/** Records a sealed head on an instance that is still at `rev` (sealing instances stored before seals). */
export async function sealHead(c: Client, id: string, rev: number, head: SealedHead): Promise<boolean> {
  const r = await c.query('UPDATE instances SET head_seq = $1, head_hash = $2, head_seal = $3, head_key_id = $4 WHERE id = $5 AND rev = $6', [
    head.seq,
    head.hash,
    head.seal,
    head.keyId,
    id,
    rev,
  ]);
  return r.rowCount === 1;
}
