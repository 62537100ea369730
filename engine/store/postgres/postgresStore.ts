/**
 * The PostgreSQL Store adapter (node-postgres), chosen by DATABASE_URL=postgres://...: the shared store
 * for several API and worker processes on several machines.
 *
 * Every write is one transaction on a pooled connection (writes.ts); the commit's revision check is a
 * conditional UPDATE, so two processes committing the same instance revision get one success and one
 * ConflictError, as with the embedded store. Job activation uses FOR UPDATE SKIP LOCKED (jobs.ts).
 * Durability is the server's: with the default synchronous_commit=on a commit is in the server's WAL
 * on disk before it is acknowledged.
 */
import type pg from 'pg';
import type {
  AttachmentRow,
  TaskSearch,
  TaskViewRow,
  CheckpointHead,
  CheckpointRow,
  CommitBatch,
  DefinitionRow,
  DraftRow,
  DraftSummary,
  HistoryEvent,
  IncidentRow,
  IncidentState,
  InstanceQuery,
  InstanceRow,
  JobRow,
  LinkRow,
  MessageRow,
  OutboxRow,
  Page,
  ResourceRow,
  SealedHead,
  Store,
  SubscriptionKind,
  SubscriptionRow,
  TaskQuery,
  TaskRow,
  TimerRow,
  SlaRecordQuery,
  SlaRecordRow,
} from '../types';
import * as jobs from './jobs';
import { migrate, SCHEMA_VERSION, schemaVersion } from './migrations';
import { checkSchemaName, createPool, type PostgresPoolOptions, redactUrl, transaction, withConnection } from './pool';
import * as queries from './queries';
import * as map from './rowMapping';
import type { DbRow, PgParam } from './rowMapping';
import * as writes from './writes';

export type PostgresStoreOptions = PostgresPoolOptions;

export class PostgresStore implements Store {
  private readonly pool: pg.Pool;
  private readonly schema: string;
  private closed = false;

  constructor(private readonly options: PostgresStoreOptions) {
    this.schema = checkSchemaName(options.schema ?? 'public');
    this.pool = createPool(options);
  }

  /** The connection pool, for diagnostics and adapter tests. Do not write through it. */
  get connection(): pg.Pool {
    return this.pool;
  }

  /** Where this store is, without the password (logs). */
  get description(): string {
    return `PostgreSQL ${redactUrl(this.options.url)} schema ${this.schema}`;
  }

  private async all<T>(text: string, values: PgParam[], mapRow: (r: DbRow) => T): Promise<T[]> {
    return (await this.pool.query(text, values)).rows.map(mapRow);
  }

  private async one<T>(text: string, values: PgParam[], mapRow: (r: DbRow) => T): Promise<T | undefined> {
    return (await this.all(text, values, mapRow))[0];
  }

  private write<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return transaction(this.pool, work);
  }

  // lifecycle

  async init(): Promise<void> {
    await migrate(this.pool, this.schema);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  /**
   * PostgreSQL checks its own pages (checksums, WAL replay); there is no cheap full scan like SQLite's
   * quick_check. This checks what a wrong or half-migrated database shows: the schema version.
   */
  async checkIntegrity(): Promise<string | undefined> {
    try {
      const version = await withConnection(this.pool, schemaVersion);
      return version === SCHEMA_VERSION ? undefined : `${this.description} is at schema version ${version}, expected ${SCHEMA_VERSION}`;
    } catch (err) {
      return `${this.description} cannot be checked: ${(err as Error).message}`;
    }
  }

  // definitions and resources

  async saveDefinitions(defs: DefinitionRow[], resources: ResourceRow[]): Promise<void> {
    await this.write((c) => writes.saveDefinitions(c, defs, resources));
  }

  async getDefinition(key: string): Promise<DefinitionRow | undefined> {
    return this.one('SELECT * FROM definitions WHERE key = $1', [key], map.reader('definitions'));
  }

  async getLatestDefinition(processId: string): Promise<DefinitionRow | undefined> {
    return this.one('SELECT * FROM definitions WHERE process_id = $1 ORDER BY version DESC LIMIT 1', [processId], map.reader('definitions'));
  }

  async listLatestDefinitions(): Promise<DefinitionRow[]> {
    return this.all('SELECT DISTINCT ON (process_id) * FROM definitions ORDER BY process_id, version DESC', [], map.reader('definitions'));
  }

  async getResource(id: string): Promise<ResourceRow | undefined> {
    return this.one('SELECT * FROM resources WHERE id = $1', [id], map.reader('resources'));
  }

  async listResources(kind?: string): Promise<ResourceRow[]> {
    return kind === undefined
      ? this.all('SELECT * FROM resources ORDER BY id', [], map.reader('resources'))
      : this.all('SELECT * FROM resources WHERE kind = $1 ORDER BY id', [kind], map.reader('resources'));
  }

  // instances and the atomic commit

  async getInstance(id: string): Promise<InstanceRow | undefined> {
    return this.one('SELECT * FROM instances WHERE id = $1', [id], map.reader('instances'));
  }

  async instanceRev(id: string): Promise<number | undefined> {
    return this.one('SELECT rev FROM instances WHERE id = $1', [id], (r) => Number(r.rev));
  }

  async listInstances(q: InstanceQuery): Promise<Page<InstanceRow>> {
    return queries.listInstances(this.pool, q);
  }

  async commit(batch: CommitBatch): Promise<void> {
    await this.write((c) => writes.applyCommit(c, batch));
  }

  // tasks

  async getTask(id: string): Promise<TaskRow | undefined> {
    return this.one('SELECT * FROM tasks WHERE id = $1', [id], map.reader('tasks'));
  }

  async listTasks(q: TaskQuery): Promise<Page<TaskRow>> {
    return queries.listTasks(this.pool, q);
  }

  searchTasks(q: TaskSearch): Promise<{ items: TaskRow[]; total: number }> {
    return queries.searchTasks(this.pool, q);
  }

  /** EXPLAIN of every statement listTasks(q) runs (tests check that each one is an index scan). */
  async explainListTasks(q: TaskQuery): Promise<string[]> {
    const plans: string[] = [];
    for (const s of queries.taskStatements(q).statements) {
      const r = await this.pool.query(`EXPLAIN ${s.sql}`, s.params);
      plans.push(r.rows.map((row) => row['QUERY PLAN'] as string).join('\n'));
    }
    return plans;
  }

  async setTaskAssignee(id: string, assignee: string | undefined): Promise<TaskRow | undefined> {
    const r = await this.pool.query(`UPDATE tasks SET assignee = $1 WHERE id = $2 AND state = 'created' RETURNING *`, [assignee ?? null, id]);
    return r.rows.length ? map.fromDb('tasks', r.rows[0]) : this.getTask(id);
  }

  // jobs and incidents

  async getJob(key: string): Promise<JobRow | undefined> {
    return this.one('SELECT * FROM jobs WHERE key = $1', [key], map.reader('jobs'));
  }

  async activateJobs(type: string, worker: string, max: number, lockMs: number, now: number): Promise<JobRow[]> {
    if (!(max >= 1)) return [];
    return jobs.activateJobs(this.pool, type, worker, Math.floor(max), lockMs, now);
  }

  async updateJob(job: JobRow): Promise<void> {
    await this.pool.query(writes.JOB_UPDATE, writes.jobUpdateParams(job));
  }

  async liveJobs(after: Pick<JobRow, 'type' | 'createdAt' | 'key'> | undefined, limit: number): Promise<JobRow[]> {
    if (!(limit >= 1)) return [];
    return jobs.liveJobs(this.pool, after, Math.floor(limit));
  }

  async listIncidents(q: { instanceId?: string; state?: IncidentState }): Promise<IncidentRow[]> {
    const conditions: string[] = [];
    const params: PgParam[] = [];
    const filter = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      params.push(value);
      conditions.push(`${column} = $${params.length}`);
    };
    filter('instance_id', q.instanceId);
    filter('state', q.state);
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    return this.all(`SELECT * FROM incidents ${where} ORDER BY created_at, id`, params, map.reader('incidents'));
  }

  async getIncident(id: string): Promise<IncidentRow | undefined> {
    return this.one('SELECT * FROM incidents WHERE id = $1', [id], map.reader('incidents'));
  }

  // timers

  async dueTimers(now: number, limit: number): Promise<TimerRow[]> {
    return this.all(`SELECT * FROM timers WHERE state = 'scheduled' AND due_at <= $1 ORDER BY due_at, id LIMIT $2`, [now, Math.max(0, Math.floor(limit))], map.reader('timers'));
  }

  async nextTimerDue(): Promise<number | undefined> {
    const r = await this.pool.query(`SELECT due_at FROM timers WHERE state = 'scheduled' ORDER BY due_at LIMIT 1`);
    return r.rows.length ? (r.rows[0].due_at as number) : undefined;
  }

  async getTimer(id: string): Promise<TimerRow | undefined> {
    return this.one('SELECT * FROM timers WHERE id = $1', [id], map.reader('timers'));
  }

  async saveStartTimers(timers: TimerRow[], cancelDefinitionKeys: string[]): Promise<void> {
    await this.write((c) => writes.saveStartTimers(c, timers, cancelDefinitionKeys));
  }

  async fireStartTimer(id: string, next: TimerRow | undefined, now: number): Promise<boolean> {
    return this.write((c) => writes.fireStartTimer(c, id, next, now));
  }

  // messages and signals

  findSubscriptions(kind: 'message', name: string, correlationKey: string): Promise<SubscriptionRow[]>;
  findSubscriptions(kind: 'signal', name: string): Promise<SubscriptionRow[]>;
  async findSubscriptions(kind: SubscriptionKind, name: string, correlationKey?: string): Promise<SubscriptionRow[]> {
    if (kind === 'message') {
      return this.all(
        `SELECT * FROM subscriptions WHERE kind = 'message' AND name = $1 AND correlation_key = $2 ORDER BY created_at, id`,
        [name, correlationKey ?? ''],
        map.reader('subscriptions'),
      );
    }
    return this.all('SELECT * FROM subscriptions WHERE kind = $1 AND name = $2 ORDER BY created_at, id', [kind, name], map.reader('subscriptions'));
  }

  async bufferMessage(m: MessageRow): Promise<boolean> {
    return this.write((c) => writes.bufferMessage(c, m));
  }

  async findBufferedMessages(name: string, correlationKey: string, instanceId: string, now: number): Promise<MessageRow[]> {
    return this.all(
      `SELECT m.* FROM messages m
        WHERE m.name = $1 AND m.correlation_key = $2 AND m.expires_at > $3
          AND NOT EXISTS (SELECT 1 FROM message_consumption c WHERE c.message_id = m.id AND c.instance_id = $4)
        ORDER BY m.published_at, m.id`,
      [name, correlationKey, now, instanceId],
      map.reader('messages'),
    );
  }

  async deleteExpiredMessages(now: number): Promise<number> {
    return this.write((c) => writes.deleteExpiredMessages(c, now));
  }

  // history and outbox

  async getHistory(instanceId: string): Promise<HistoryEvent[]> {
    return this.all('SELECT * FROM history WHERE instance_id = $1 ORDER BY seq', [instanceId], map.reader('history'));
  }

  async pendingOutbox(limit: number): Promise<OutboxRow[]> {
    return this.all('SELECT * FROM outbox ORDER BY created_at, seq LIMIT $1', [Math.max(0, Math.floor(limit))], map.reader('outbox'));
  }

  async markOutboxDone(ids: string[]): Promise<void> {
    if (ids.length) await this.pool.query('DELETE FROM outbox WHERE id = ANY($1)', [ids]);
  }

  // the task desk

  async saveTaskView(view: TaskViewRow): Promise<void> {
    const q = map.upsertRows('task_views', 'id', [map.toParams('task_views', view)]);
    await this.pool.query(q.text, q.values);
  }

  async listTaskViews(owner: string): Promise<TaskViewRow[]> {
    return this.all('SELECT * FROM task_views WHERE owner = $1 ORDER BY name, id', [owner], map.reader('task_views'));
  }

  async deleteTaskView(id: string, owner: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM task_views WHERE id = $1 AND owner = $2', [id, owner])).rowCount ?? 0) > 0;
  }

  async saveAttachment(a: AttachmentRow): Promise<void> {
    const q = map.insertRows('attachments', [map.toParams('attachments', a)]);
    await this.pool.query(q.text, q.values);
  }

  async getAttachment(id: string): Promise<AttachmentRow | undefined> {
    return this.one('SELECT * FROM attachments WHERE id = $1', [id], map.reader('attachments'));
  }

  async listAttachments(instanceId: string): Promise<Omit<AttachmentRow, 'content'>[]> {
    const columns = map.COLUMNS.attachments.filter((c) => c !== 'content').join(', ');
    return this.all(`SELECT ${columns} FROM attachments WHERE instance_id = $1 ORDER BY uploaded_at, id`, [instanceId], (r) => {
      const { content: _content, ...rest } = map.fromDb('attachments', { ...r, content: '' });
      return rest;
    });
  }

  // ticket numbers and links

  async lastTicketNumber(prefix: string): Promise<number> {
    return (await this.one('SELECT value FROM ticket_counters WHERE prefix = $1', [prefix], (r) => Number(r.value))) ?? 0;
  }

  async listLinks(instanceId: string, limit: number): Promise<LinkRow[]> {
    return this.all(
      'SELECT * FROM (SELECT * FROM links WHERE from_id = $1 UNION SELECT * FROM links WHERE to_id = $1) AS l ORDER BY created_at, id LIMIT $2',
      [instanceId, Math.max(0, Math.floor(limit))],
      map.reader('links'),
    );
  }

  // sealing

  async writeCheckpoint(build: (heads: CheckpointHead[], previous: CheckpointRow | undefined) => CheckpointRow | undefined, limit: number): Promise<CheckpointRow | undefined> {
    return this.write((c) => writes.writeCheckpoint(c, build, limit));
  }

  async listCheckpoints(afterSeq: number, limit: number): Promise<CheckpointRow[]> {
    return this.all('SELECT * FROM checkpoints WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, Math.max(0, Math.floor(limit))], map.reader('checkpoints'));
  }

  async checkpointedHeads(instanceId: string): Promise<(CheckpointHead & { checkpoint: number })[]> {
    return this.all('SELECT * FROM checkpoint_heads WHERE instance_id = $1 ORDER BY checkpoint', [instanceId], (r) => ({
      instanceId: r.instance_id as string,
      checkpoint: r.checkpoint as number,
      seq: r.seq as number,
      hash: r.hash as string,
    }));
  }

  async unsealedInstances(limit: number): Promise<InstanceRow[]> {
    return this.all('SELECT * FROM instances WHERE head_seal IS NULL LIMIT $1', [Math.max(0, Math.floor(limit))], map.reader('instances'));
  }

  async sealHead(instanceId: string, rev: number, head: SealedHead): Promise<boolean> {
    return this.write((c) => writes.sealHead(c, instanceId, rev, head));
  }

  // drafts

  async getDraft(userId: string, processId: string): Promise<DraftRow | undefined> {
    return this.one('SELECT * FROM drafts WHERE user_id = $1 AND process_id = $2', [userId, processId], map.reader('drafts'));
  }

  async listDrafts(userId: string): Promise<DraftSummary[]> {
    const rows = await this.all(
      'SELECT id, user_id, process_id, name, size, updated_at FROM drafts WHERE user_id = $1 ORDER BY updated_at DESC, id',
      [userId],
      map.reader('drafts'),
    );
    return rows.map(({ xml: _xml, forms: _forms, ...summary }) => summary);
  }

  async saveDraft(draft: DraftRow): Promise<void> {
    const q = map.upsertRows('drafts', 'id', [map.toParams('drafts', draft)]);
    await this.pool.query(q.text, q.values);
  }

  async deleteDraft(userId: string, processId: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM drafts WHERE user_id = $1 AND process_id = $2', [userId, processId])).rowCount ?? 0) > 0;
  }

  // SLA records

  listSlaRecords(q: SlaRecordQuery): Promise<SlaRecordRow[]> {
    return this.all(
      'SELECT * FROM sla_records WHERE completed_at >= $1 AND completed_at < $2 ORDER BY completed_at, id LIMIT $3',
      [q.from, q.to, q.limit],
      map.reader('sla_records'),
    );
  }

  // numeric keys of ids

  async externalKey(kind: string, id: string): Promise<number> {
    const known = await this.pool.query('SELECT key FROM external_keys WHERE kind = $1 AND id = $2', [kind, id]);
    if (known.rows.length) return known.rows[0].key as number;
    // ON CONFLICT waits for a concurrent insert of the same (kind, id) to commit, then the select sees it
    const inserted = await this.pool.query('INSERT INTO external_keys (kind, id) VALUES ($1, $2) ON CONFLICT (kind, id) DO NOTHING RETURNING key', [kind, id]);
    if (inserted.rows.length) return inserted.rows[0].key as number;
    return (await this.pool.query('SELECT key FROM external_keys WHERE kind = $1 AND id = $2', [kind, id])).rows[0].key as number;
  }

  async resolveExternalKey(key: number): Promise<{ kind: string; id: string } | undefined> {
    return this.one('SELECT kind, id FROM external_keys WHERE key = $1', [key], (r) => ({ kind: String(r.kind), id: String(r.id) }));
  }
}
