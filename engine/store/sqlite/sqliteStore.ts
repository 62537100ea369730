/**
 * The embedded Store adapter: one SQLite file (better-sqlite3), shared safely by several processes.
 *
 * better-sqlite3 is synchronous. Reads run at once and return a settled Promise (errors become
 * rejections). Every write goes through GroupCommit: it runs, with whatever other writes arrived in
 * the same turn of the event loop, in one IMMEDIATE transaction, which takes SQLite's write lock up
 * front: the read (revision check, job pick, timer state) and the writes are atomic across processes,
 * and a second process waits (busy_timeout) instead of failing with SQLITE_BUSY halfway through. A
 * write resolves once its transaction is committed (and, under synchronous=FULL, on disk).
 */
import Database from 'better-sqlite3';
import type {
  DraftRow,
  AttachmentRow,
  DraftSummary,
  CheckpointHead,
  CheckpointRow,
  CommitBatch,
  DefinitionRow,
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
  TaskSearch,
  TaskViewRow,
  TimerRow,
  SlaRecordQuery,
  SlaRecordRow,
} from '../types';
import { GroupCommit, type GroupCommitStats } from './groupCommit';
import { migrate } from './migrations';
import { decodeCursor, pageSize, toPage } from './paging';
import * as map from './rowMapping';
import type { DbRow } from './rowMapping';
import { insertSql, type SqlParam, sqliteCode, Statements, upsertSql } from './sql';
import { mergeStreams, planTaskQuery, type StreamRow } from './taskQuery';
import { taskSearchSql } from './taskSearch';
import * as writes from './writes';

export interface SqliteStoreOptions {
  /** Path of the database file, or `:memory:`. */
  file: string;
  /**
   * SQLite `synchronous` setting (journal_mode is always WAL). What each can lose:
   * - FULL (default): the WAL is fsynced before COMMIT returns, so a command is on disk before it is
   *   acknowledged; it survives a killed process, an OS crash and a power loss.
   * - NORMAL: a commit is written to the WAL (the OS page cache) before COMMIT returns, and fsynced only
   *   at checkpoints (about every second). It survives a killed process, but an OS crash or power loss
   *   can drop the commands acknowledged since the last checkpoint (the database stays consistent).
   * Group commit (GroupCommit) makes concurrent commands share one fsync under FULL.
   */
  synchronous?: 'NORMAL' | 'FULL';
  /** At most this many writes share one transaction (group commit). Default 128. */
  groupCommitMax?: number;
  /** How long a writer waits for another process's write lock. Default 5000 ms. */
  busyTimeoutMs?: number;
}

/** Default of SqliteStoreOptions.groupCommitMax. */
export const DEFAULT_GROUP_COMMIT_MAX = 128;

/** How often the WAL is checkpointed into the database file (see the constructor). */
const CHECKPOINT_EVERY_MS = 1000;
/** Safety net: a checkpoint inside a commit once the WAL holds this many pages (~40 MB at 4 KiB pages). */
const AUTOCHECKPOINT_PAGES = 10_000;
/** The WAL file is truncated to this size after a checkpoint. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private checkpointer?: NodeJS.Timeout;
  private readonly sql: Statements;
  private readonly group: GroupCommit;

  private readonly file: string;

  constructor(options: SqliteStoreOptions) {
    this.file = options.file;
    const busyTimeout = options.busyTimeoutMs ?? 5000;
    this.db = new Database(options.file, { timeout: busyTimeout });
    this.db.pragma(`busy_timeout = ${busyTimeout}`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    if (options.file !== ':memory:' && options.file !== '') {
      // SQLite's automatic checkpoint runs (and fsyncs the database) inside whichever COMMIT crosses the
      // WAL size limit (1000 pages by default), stalling that command. Checkpoint in the background
      // instead; durability is the WAL's either way. The automatic one stays as a safety net at a size
      // the background checkpoint normally never lets the WAL reach, and the WAL file is cut back after.
      this.db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
      this.db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
      this.checkpointer = setInterval(() => this.checkpoint(), CHECKPOINT_EVERY_MS);
      this.checkpointer.unref();
    }
    this.sql = new Statements(this.db);
    this.group = new GroupCommit(this.db, options.groupCommitMax ?? DEFAULT_GROUP_COMMIT_MAX);
  }

  /** Transactions and writes committed so far: how much group commit has shared. */
  get commitStats(): GroupCommitStats {
    return { ...this.group.stats };
  }

  /** The underlying connection, for diagnostics and adapter tests. Do not write through it. */
  get connection(): Database.Database {
    return this.db;
  }

  private stmt(sql: string): Database.Statement {
    return this.sql.get(sql);
  }

  private one<T>(sql: string, params: SqlParam[], mapRow: (r: DbRow) => T): T | undefined {
    const r = this.stmt(sql).get(...params) as DbRow | undefined;
    return r ? mapRow(r) : undefined;
  }

  private all<T>(sql: string, params: SqlParam[], mapRow: (r: DbRow) => T): T[] {
    return (this.stmt(sql).all(...params) as DbRow[]).map(mapRow);
  }

  // lifecycle

  async init(): Promise<void> {
    migrate(this.db);
  }

  async close(): Promise<void> {
    if (this.checkpointer) clearInterval(this.checkpointer);
    if (this.db.open) {
      this.group.close();
      this.checkpoint();
      this.sql.clear();
      this.db.close();
    }
  }

  /** Copies committed WAL pages into the database without waiting for readers (PASSIVE). */
  private checkpoint(): void {
    try {
      if (this.db.open) this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // busy (another process checkpoints or writes): the next round catches up
    }
  }

  async ping(): Promise<void> {
    this.stmt('SELECT 1').get();
  }

  async checkIntegrity(): Promise<string | undefined> {
    if (this.file === ':memory:' || this.file === '') return undefined;
    let check: Database.Database | undefined;
    try {
      check = new Database(this.file, { readonly: true, fileMustExist: true });
      const rows = check.pragma('quick_check(20)') as { quick_check: string }[];
      const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
      return problems.length ? `the database ${this.file} is damaged: ${problems.join('; ')}` : undefined;
    } catch (err) {
      const code = sqliteCode(err);
      const damaged = code?.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB';
      return `the database ${this.file} ${damaged ? 'is damaged' : 'cannot be checked'}: ${(err as Error).message}`;
    } finally {
      check?.close();
    }
  }

  // definitions and resources

  async saveDefinitions(defs: DefinitionRow[], resources: ResourceRow[]): Promise<void> {
    return this.group.run(() => writes.saveDefinitions(this.sql, defs, resources));
  }

  async getDefinition(key: string): Promise<DefinitionRow | undefined> {
    return this.one('SELECT * FROM definitions WHERE key = ?', [key], map.reader('definitions'));
  }

  async getLatestDefinition(processId: string): Promise<DefinitionRow | undefined> {
    return this.one('SELECT * FROM definitions WHERE process_id = ? ORDER BY version DESC LIMIT 1', [processId], map.reader('definitions'));
  }

  async listLatestDefinitions(): Promise<DefinitionRow[]> {
    return this.all(
      `SELECT d.* FROM definitions d
         JOIN (SELECT process_id, MAX(version) AS version FROM definitions GROUP BY process_id) latest
           ON latest.process_id = d.process_id AND latest.version = d.version
       ORDER BY d.process_id`,
      [],
      map.reader('definitions'),
    );
  }

  async getResource(id: string): Promise<ResourceRow | undefined> {
    return this.one('SELECT * FROM resources WHERE id = ?', [id], map.reader('resources'));
  }

  async listResources(kind?: string): Promise<ResourceRow[]> {
    return kind === undefined
      ? this.all('SELECT * FROM resources ORDER BY id', [], map.reader('resources'))
      : this.all('SELECT * FROM resources WHERE kind = ? ORDER BY id', [kind], map.reader('resources'));
  }

  // instances and the atomic commit

  async getInstance(id: string): Promise<InstanceRow | undefined> {
    return this.one('SELECT * FROM instances WHERE id = ?', [id], map.reader('instances'));
  }

  async instanceRev(id: string): Promise<number | undefined> {
    return this.one('SELECT rev FROM instances WHERE id = ?', [id], (r) => r.rev as number);
  }

  async listInstances(q: InstanceQuery): Promise<Page<InstanceRow>> {
    const limit = pageSize(q.limit);
    const after = decodeCursor(q.cursor);
    const conditions: string[] = [];
    const params: SqlParam[] = [];
    const filter = (sql: string, value: string | undefined) => {
      if (value !== undefined) {
        conditions.push(sql);
        params.push(value);
      }
    };
    filter('process_id = ?', q.processId);
    filter('state = ?', q.state);
    filter('business_key = ?', q.businessKey);
    filter('parent_instance_id = ?', q.parentInstanceId);
    if (q.visibleTo) {
      const { user, groups, processIds } = q.visibleTo;
      const marks = (n: number) => Array(n).fill('?').join(', ');
      conditions.push(`(started_by = ? OR process_id IN (${marks(processIds.length)})
        OR EXISTS (SELECT 1 FROM tasks t WHERE t.instance_id = instances.id AND t.assignee = ?)
        OR EXISTS (SELECT 1 FROM tasks t JOIN task_candidates c ON c.task_id = t.id WHERE t.instance_id = instances.id
                   AND ((c.kind = 'u' AND c.name = ?) OR (c.kind = 'g' AND c.name IN (${marks(groups.length)})))))`);
      params.push(user, ...processIds, user, user, ...groups);
    }
    if (after) {
      conditions.push('(started_at, id) > (?, ?)');
      params.push(after.at, after.id);
    }
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows = this.all(`SELECT * FROM instances ${where} ORDER BY started_at, id LIMIT ?`, [...params, limit + 1], map.reader('instances'));
    return toPage(rows, limit, (i) => ({ at: i.startedAt, id: i.id }));
  }

  async commit(batch: CommitBatch): Promise<void> {
    return this.group.run(() => writes.applyCommit(this.sql, batch));
  }

  // tasks

  async getTask(id: string): Promise<TaskRow | undefined> {
    return this.one('SELECT * FROM tasks WHERE id = ?', [id], map.reader('tasks'));
  }

  async listTasks(q: TaskQuery): Promise<Page<TaskRow>> {
    const limit = pageSize(q.limit);
    const plan = planTaskQuery(q, decodeCursor(q.cursor), limit + 1);
    let rows: TaskRow[];
    if (plan.kind === 'single') {
      rows = this.all(plan.statement.sql, plan.statement.params, map.reader('tasks'));
    } else {
      const streams = plan.streams.map((s) => this.stmt(s.sql).all(...s.params) as StreamRow[]);
      const ids = mergeStreams(streams, limit + 1);
      const byId = new Map(this.all('SELECT * FROM tasks WHERE id IN (SELECT value FROM json_each(?))', [JSON.stringify(ids)], map.reader('tasks')).map((t) => [t.id, t]));
      rows = ids.map((id) => byId.get(id)).filter((t): t is TaskRow => t !== undefined);
    }
    return toPage(rows, limit, (t) => ({ at: t.createdAt, id: t.id }));
  }

  async searchTasks(q: TaskSearch): Promise<{ items: TaskRow[]; total: number }> {
    const { where, params, order } = taskSearchSql(q);
    const total = (this.stmt(`SELECT COUNT(*) AS n FROM tasks ${where}`).get(...params) as { n: number }).n;
    const items = this.all(`SELECT * FROM tasks ${where} ${order} LIMIT ? OFFSET ?`, [...params, q.limit, q.offset], map.reader('tasks'));
    return { items, total };
  }

  /** EXPLAIN QUERY PLAN details of every statement listTasks(q) runs (for tests and diagnostics). */
  explainListTasks(q: TaskQuery): string[][] {
    const limit = pageSize(q.limit);
    const plan = planTaskQuery(q, decodeCursor(q.cursor), limit + 1);
    const statements = plan.kind === 'single' ? [plan.statement] : plan.streams;
    return statements.map((s) => (this.db.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).all(...s.params) as { detail: string }[]).map((r) => r.detail));
  }

  async setTaskAssignee(id: string, assignee: string | undefined): Promise<TaskRow | undefined> {
    await this.group.run(() => this.stmt(`UPDATE tasks SET assignee = ? WHERE id = ? AND state = 'created'`).run(assignee ?? null, id));
    return this.getTask(id);
  }

  // jobs and incidents

  async getJob(key: string): Promise<JobRow | undefined> {
    return this.one('SELECT * FROM jobs WHERE key = ?', [key], map.reader('jobs'));
  }

  async activateJobs(type: string, worker: string, max: number, lockMs: number, now: number): Promise<JobRow[]> {
    if (!(max >= 1)) return [];
    return this.group.run(() => writes.activateJobs(this.sql, type, worker, Math.floor(max), lockMs, now));
  }

  async updateJob(job: JobRow): Promise<void> {
    await this.group.run(() => this.stmt(writes.JOB_UPDATE).run(map.toParams('jobs', job)));
  }

  async liveJobs(after: Pick<JobRow, 'type' | 'createdAt' | 'key'> | undefined, limit: number): Promise<JobRow[]> {
    if (!(limit >= 1)) return [];
    if (!after) return this.all(writes.LIVE_JOBS, [Math.floor(limit)], map.reader('jobs'));
    return this.all(writes.LIVE_JOBS_AFTER, [after.type, after.createdAt, after.key, Math.floor(limit)], map.reader('jobs'));
  }

  async listIncidents(q: { instanceId?: string; state?: IncidentState }): Promise<IncidentRow[]> {
    const conditions: string[] = [];
    const params: SqlParam[] = [];
    if (q.instanceId !== undefined) {
      conditions.push('instance_id = ?');
      params.push(q.instanceId);
    }
    if (q.state !== undefined) {
      conditions.push('state = ?');
      params.push(q.state);
    }
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    return this.all(`SELECT * FROM incidents ${where} ORDER BY created_at, id`, params, map.reader('incidents'));
  }

  async getIncident(id: string): Promise<IncidentRow | undefined> {
    return this.one('SELECT * FROM incidents WHERE id = ?', [id], map.reader('incidents'));
  }

  // timers

  async dueTimers(now: number, limit: number): Promise<TimerRow[]> {
    return this.all(`SELECT * FROM timers WHERE state = 'scheduled' AND due_at <= ? ORDER BY due_at, id LIMIT ?`, [now, Math.max(0, Math.floor(limit))], map.reader('timers'));
  }

  async nextTimerDue(): Promise<number | undefined> {
    const r = this.stmt(`SELECT MIN(due_at) AS due FROM timers WHERE state = 'scheduled'`).get() as { due: number | null };
    return r.due ?? undefined;
  }

  async getTimer(id: string): Promise<TimerRow | undefined> {
    return this.one('SELECT * FROM timers WHERE id = ?', [id], map.reader('timers'));
  }

  async saveStartTimers(timers: TimerRow[], cancelDefinitionKeys: string[]): Promise<void> {
    return this.group.run(() => writes.saveStartTimers(this.sql, timers, cancelDefinitionKeys));
  }

  async fireStartTimer(id: string, next: TimerRow | undefined, now: number): Promise<boolean> {
    return this.group.run(() => writes.fireStartTimer(this.sql, id, next, now));
  }

  // messages and signals

  findSubscriptions(kind: 'message', name: string, correlationKey: string): Promise<SubscriptionRow[]>;
  findSubscriptions(kind: 'signal', name: string): Promise<SubscriptionRow[]>;
  async findSubscriptions(kind: SubscriptionKind, name: string, correlationKey?: string): Promise<SubscriptionRow[]> {
    if (kind === 'message') {
      return this.all(
        `SELECT * FROM subscriptions WHERE kind = 'message' AND name = ? AND correlation_key = ? ORDER BY created_at, id`,
        [name, correlationKey ?? ''],
        map.reader('subscriptions'),
      );
    }
    return this.all(`SELECT * FROM subscriptions WHERE kind = ? AND name = ? ORDER BY created_at, id`, [kind, name], map.reader('subscriptions'));
  }

  async bufferMessage(m: MessageRow): Promise<boolean> {
    return this.group.run(() => writes.bufferMessage(this.sql, m));
  }

  async findBufferedMessages(name: string, correlationKey: string, instanceId: string, now: number): Promise<MessageRow[]> {
    return this.all(
      `SELECT m.* FROM messages m
        WHERE m.name = ? AND m.correlation_key = ? AND m.expires_at > ?
          AND NOT EXISTS (SELECT 1 FROM message_consumption c WHERE c.message_id = m.id AND c.instance_id = ?)
        ORDER BY m.published_at, m.id`,
      [name, correlationKey, now, instanceId],
      map.reader('messages'),
    );
  }

  async deleteExpiredMessages(now: number): Promise<number> {
    return this.group.run(() => writes.deleteExpiredMessages(this.sql, now));
  }

  // history and outbox

  async getHistory(instanceId: string): Promise<HistoryEvent[]> {
    return this.all('SELECT * FROM history WHERE instance_id = ? ORDER BY seq', [instanceId], map.reader('history'));
  }

  async pendingOutbox(limit: number): Promise<OutboxRow[]> {
    return this.all('SELECT * FROM outbox ORDER BY created_at, seq LIMIT ?', [Math.max(0, Math.floor(limit))], map.reader('outbox'));
  }

  async markOutboxDone(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.group.run(() => this.stmt('DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?))').run(JSON.stringify(ids)));
  }

  // the task desk

  async saveTaskView(view: TaskViewRow): Promise<void> {
    await this.group.run(() => this.stmt(upsertSql('task_views', map.COLUMNS.task_views, 'id')).run(map.toParams('task_views', view)));
  }

  async listTaskViews(owner: string): Promise<TaskViewRow[]> {
    return this.all('SELECT * FROM task_views WHERE owner = ? ORDER BY name, id', [owner], map.reader('task_views'));
  }

  async deleteTaskView(id: string, owner: string): Promise<boolean> {
    return this.group.run(() => this.stmt('DELETE FROM task_views WHERE id = ? AND owner = ?').run(id, owner).changes > 0);
  }

  async saveAttachment(a: AttachmentRow): Promise<void> {
    await this.group.run(() => this.stmt(insertSql('attachments', map.COLUMNS.attachments)).run(map.toParams('attachments', a)));
  }

  async getAttachment(id: string): Promise<AttachmentRow | undefined> {
    return this.one('SELECT * FROM attachments WHERE id = ?', [id], map.reader('attachments'));
  }

  async listAttachments(instanceId: string): Promise<Omit<AttachmentRow, 'content'>[]> {
    const columns = map.COLUMNS.attachments.filter((c) => c !== 'content').join(', ');
    return this.all(`SELECT ${columns} FROM attachments WHERE instance_id = ? ORDER BY uploaded_at, id`, [instanceId], (r) => {
      const { content: _content, ...rest } = map.fromDb('attachments', { ...r, content: '' });
      return rest;
    });
  }

  // ticket numbers and links

  async lastTicketNumber(prefix: string): Promise<number> {
    return this.one('SELECT value FROM ticket_counters WHERE prefix = ?', [prefix], (r) => r.value as number) ?? 0;
  }

  async listLinks(instanceId: string, limit: number): Promise<LinkRow[]> {
    return this.all(
      `SELECT * FROM (SELECT * FROM links WHERE from_id = ? UNION SELECT * FROM links WHERE to_id = ?) ORDER BY created_at, id LIMIT ?`,
      [instanceId, instanceId, limit],
      map.reader('links'),
    );
  }

  // sealing

  async writeCheckpoint(build: (heads: CheckpointHead[], previous: CheckpointRow | undefined) => CheckpointRow | undefined, limit: number): Promise<CheckpointRow | undefined> {
    return this.group.run(() => writes.writeCheckpoint(this.sql, build, limit));
  }

  async listCheckpoints(afterSeq: number, limit: number): Promise<CheckpointRow[]> {
    return this.all('SELECT * FROM checkpoints WHERE seq > ? ORDER BY seq LIMIT ?', [afterSeq, Math.max(0, Math.floor(limit))], map.reader('checkpoints'));
  }

  async checkpointedHeads(instanceId: string): Promise<(CheckpointHead & { checkpoint: number })[]> {
    return this.all('SELECT * FROM checkpoint_heads WHERE instance_id = ? ORDER BY checkpoint', [instanceId], (r) => ({
      instanceId: r.instance_id as string,
      checkpoint: r.checkpoint as number,
      seq: r.seq as number,
      hash: r.hash as string,
    }));
  }

  async unsealedInstances(limit: number): Promise<InstanceRow[]> {
    return this.all('SELECT * FROM instances WHERE head_seal IS NULL LIMIT ?', [Math.max(0, Math.floor(limit))], map.reader('instances'));
  }

  async sealHead(instanceId: string, rev: number, head: SealedHead): Promise<boolean> {
    return this.group.run(() => writes.sealHead(this.sql, instanceId, rev, head));
  }

  // drafts

  async getDraft(userId: string, processId: string): Promise<DraftRow | undefined> {
    return this.one('SELECT * FROM drafts WHERE user_id = ? AND process_id = ?', [userId, processId], map.reader('drafts'));
  }

  async listDrafts(userId: string): Promise<DraftSummary[]> {
    const rows = this.all('SELECT id, user_id, process_id, name, size, updated_at FROM drafts WHERE user_id = ? ORDER BY updated_at DESC, id', [userId], map.reader('drafts'));
    return rows.map(({ xml: _xml, forms: _forms, ...summary }) => summary);
  }

  async saveDraft(draft: DraftRow): Promise<void> {
    return this.group.run(() => {
      this.sql.get(upsertSql('drafts', map.COLUMNS.drafts, 'id')).run(map.toParams('drafts', draft));
    });
  }

  async deleteDraft(userId: string, processId: string): Promise<boolean> {
    return this.group.run(() => this.sql.get('DELETE FROM drafts WHERE user_id = ? AND process_id = ?').run(userId, processId).changes > 0);
  }

  // SLA records

  async listSlaRecords(q: SlaRecordQuery): Promise<SlaRecordRow[]> {
    return this.all('SELECT * FROM sla_records WHERE completed_at >= ? AND completed_at < ? ORDER BY completed_at, id LIMIT ?', [q.from, q.to, q.limit], map.reader('sla_records'));
  }

  // numeric keys of ids

  async externalKey(kind: string, id: string): Promise<number> {
    const known = this.stmt('SELECT key FROM external_keys WHERE kind = ? AND id = ?').get(kind, id) as { key: number } | undefined;
    if (known) return known.key; // no write (and no fsync) for a key shown before
    // one transaction: the insert that loses a race to another connection finds the winner's row
    return this.group.run(() => {
      this.stmt('INSERT INTO external_keys (kind, id) VALUES (?, ?) ON CONFLICT (kind, id) DO NOTHING').run(kind, id);
      return (this.stmt('SELECT key FROM external_keys WHERE kind = ? AND id = ?').get(kind, id) as { key: number }).key;
    });
  }

  async resolveExternalKey(key: number): Promise<{ kind: string; id: string } | undefined> {
    return this.one('SELECT kind, id FROM external_keys WHERE key = ?', [key], (r) => ({ kind: String(r.kind), id: String(r.id) }));
  }
}
