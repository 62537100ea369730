/**
 * The embedded Store adapter: one SQLite file (better-sqlite3), shared safely by several processes.
 *
 * better-sqlite3 is synchronous; every method does its work synchronously and returns a settled
 * Promise (errors become rejections). Anything that reads and then writes runs in one IMMEDIATE
 * transaction, which takes SQLite's write lock up front: the read (revision check, job pick, timer
 * state) and the writes are atomic across processes, and a second process waits (busy_timeout)
 * instead of failing with SQLITE_BUSY halfway through.
 */
import Database from 'better-sqlite3';
import type {
  CommitBatch,
  DefinitionRow,
  HistoryEvent,
  IncidentRow,
  IncidentState,
  InstanceQuery,
  InstanceRow,
  JobRow,
  MessageRow,
  OutboxRow,
  Page,
  ResourceRow,
  Store,
  SubscriptionKind,
  SubscriptionRow,
  TaskQuery,
  TaskRow,
  TimerRow,
} from '../types';
import { migrate } from './migrations';
import { decodeCursor, pageSize, toPage } from './paging';
import * as map from './rowMapping';
import type { DbRow } from './rowMapping';
import { type SqlParam, Statements } from './sql';
import { mergeStreams, planTaskQuery, type StreamRow } from './taskQuery';
import * as writes from './writes';

export interface SqliteStoreOptions {
  /** Path of the database file, or `:memory:`. */
  file: string;
  /**
   * SQLite `synchronous` setting. Default NORMAL: in WAL mode a transaction is committed once its
   * frames are written to the WAL file, which happens before COMMIT returns; only the fsync is
   * deferred to checkpoints. So an acknowledged command survives a crash or SIGKILL of the process
   * (the OS still has the data), and the database never becomes corrupt; what NORMAL can lose is the
   * last transactions before a power failure or OS crash. That is the durability ProcessDesk promises
   * for the embedded store; choose FULL (an fsync per commit) to survive power loss as well.
   */
  synchronous?: 'NORMAL' | 'FULL';
  /** How long a writer waits for another process's write lock. Default 5000 ms. */
  busyTimeoutMs?: number;
}

type Tx<A extends unknown[], R> = Database.Transaction<(...args: A) => R>;

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
  private readonly commitTx: Tx<[CommitBatch], void>;
  private readonly saveDefinitionsTx: Tx<[DefinitionRow[], ResourceRow[]], void>;
  private readonly activateJobsTx: Tx<[string, string, number, number, number], JobRow[]>;
  private readonly saveStartTimersTx: Tx<[TimerRow[], string[]], void>;
  private readonly fireStartTimerTx: Tx<[string, TimerRow | undefined, number], boolean>;
  private readonly bufferMessageTx: Tx<[MessageRow], boolean>;
  private readonly deleteExpiredMessagesTx: Tx<[number], number>;

  constructor(options: SqliteStoreOptions) {
    const busyTimeout = options.busyTimeoutMs ?? 5000;
    this.db = new Database(options.file, { timeout: busyTimeout });
    this.db.pragma(`busy_timeout = ${busyTimeout}`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
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
    const sql = (this.sql = new Statements(this.db));
    const tx = this.db.transaction.bind(this.db);
    this.commitTx = tx((b: CommitBatch) => writes.applyCommit(sql, b));
    this.saveDefinitionsTx = tx((d: DefinitionRow[], r: ResourceRow[]) => writes.saveDefinitions(sql, d, r));
    this.activateJobsTx = tx((type: string, worker: string, max: number, lockMs: number, now: number) =>
      writes.activateJobs(sql, type, worker, max, lockMs, now),
    );
    this.saveStartTimersTx = tx((t: TimerRow[], keys: string[]) => writes.saveStartTimers(sql, t, keys));
    this.fireStartTimerTx = tx((id: string, next: TimerRow | undefined, now: number) =>
      writes.fireStartTimer(sql, id, next, now),
    );
    this.bufferMessageTx = tx((m: MessageRow) => writes.bufferMessage(sql, m));
    this.deleteExpiredMessagesTx = tx((now: number) => writes.deleteExpiredMessages(sql, now));
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

  // definitions and resources

  async saveDefinitions(defs: DefinitionRow[], resources: ResourceRow[]): Promise<void> {
    this.saveDefinitionsTx.immediate(defs, resources);
  }

  async getDefinition(key: string): Promise<DefinitionRow | undefined> {
    return this.one('SELECT * FROM definitions WHERE key = ?', [key], map.toDefinition);
  }

  async getLatestDefinition(processId: string): Promise<DefinitionRow | undefined> {
    return this.one(
      'SELECT * FROM definitions WHERE process_id = ? ORDER BY version DESC LIMIT 1',
      [processId],
      map.toDefinition,
    );
  }

  async listLatestDefinitions(): Promise<DefinitionRow[]> {
    return this.all(
      `SELECT d.* FROM definitions d
         JOIN (SELECT process_id, MAX(version) AS version FROM definitions GROUP BY process_id) latest
           ON latest.process_id = d.process_id AND latest.version = d.version
       ORDER BY d.process_id`,
      [],
      map.toDefinition,
    );
  }

  async getResource(id: string): Promise<ResourceRow | undefined> {
    return this.one('SELECT * FROM resources WHERE id = ?', [id], map.toResource);
  }

  async listResources(kind?: string): Promise<ResourceRow[]> {
    return kind === undefined
      ? this.all('SELECT * FROM resources ORDER BY id', [], map.toResource)
      : this.all('SELECT * FROM resources WHERE kind = ? ORDER BY id', [kind], map.toResource);
  }

  // instances and the atomic commit

  async getInstance(id: string): Promise<InstanceRow | undefined> {
    return this.one('SELECT * FROM instances WHERE id = ?', [id], map.toInstance);
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
    if (after) {
      conditions.push('(started_at, id) > (?, ?)');
      params.push(after.at, after.id);
    }
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows = this.all(
      `SELECT * FROM instances ${where} ORDER BY started_at, id LIMIT ?`,
      [...params, limit + 1],
      map.toInstance,
    );
    return toPage(rows, limit, (i) => ({ at: i.startedAt, id: i.id }));
  }

  async commit(batch: CommitBatch): Promise<void> {
    this.commitTx.immediate(batch);
  }

  // tasks

  async getTask(id: string): Promise<TaskRow | undefined> {
    return this.one('SELECT * FROM tasks WHERE id = ?', [id], map.toTask);
  }

  async listTasks(q: TaskQuery): Promise<Page<TaskRow>> {
    const limit = pageSize(q.limit);
    const plan = planTaskQuery(q, decodeCursor(q.cursor), limit + 1);
    let rows: TaskRow[];
    if (plan.kind === 'single') {
      rows = this.all(plan.statement.sql, plan.statement.params, map.toTask);
    } else {
      const streams = plan.streams.map((s) => this.stmt(s.sql).all(...s.params) as StreamRow[]);
      const ids = mergeStreams(streams, limit + 1);
      const byId = new Map(
        this.all('SELECT * FROM tasks WHERE id IN (SELECT value FROM json_each(?))', [JSON.stringify(ids)], map.toTask).map(
          (t) => [t.id, t],
        ),
      );
      rows = ids.map((id) => byId.get(id)).filter((t): t is TaskRow => t !== undefined);
    }
    return toPage(rows, limit, (t) => ({ at: t.createdAt, id: t.id }));
  }

  /** EXPLAIN QUERY PLAN details of every statement listTasks(q) runs (for tests and diagnostics). */
  explainListTasks(q: TaskQuery): string[][] {
    const limit = pageSize(q.limit);
    const plan = planTaskQuery(q, decodeCursor(q.cursor), limit + 1);
    const statements = plan.kind === 'single' ? [plan.statement] : plan.streams;
    return statements.map((s) =>
      (this.db.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).all(...s.params) as { detail: string }[]).map((r) => r.detail),
    );
  }

  async setTaskAssignee(id: string, assignee: string | undefined): Promise<TaskRow | undefined> {
    this.stmt(`UPDATE tasks SET assignee = ? WHERE id = ? AND state = 'created'`).run(assignee ?? null, id);
    return this.getTask(id);
  }

  // jobs and incidents

  async getJob(key: string): Promise<JobRow | undefined> {
    return this.one('SELECT * FROM jobs WHERE key = ?', [key], map.toJob);
  }

  async activateJobs(type: string, worker: string, max: number, lockMs: number, now: number): Promise<JobRow[]> {
    if (!(max >= 1)) return [];
    return this.activateJobsTx.immediate(type, worker, Math.floor(max), lockMs, now);
  }

  async updateJob(job: JobRow): Promise<void> {
    this.stmt(writes.JOB_UPDATE).run(map.jobParams(job));
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
    return this.all(`SELECT * FROM incidents ${where} ORDER BY created_at, id`, params, map.toIncident);
  }

  async getIncident(id: string): Promise<IncidentRow | undefined> {
    return this.one('SELECT * FROM incidents WHERE id = ?', [id], map.toIncident);
  }

  // timers

  async dueTimers(now: number, limit: number): Promise<TimerRow[]> {
    return this.all(
      `SELECT * FROM timers WHERE state = 'scheduled' AND due_at <= ? ORDER BY due_at, id LIMIT ?`,
      [now, Math.max(0, Math.floor(limit))],
      map.toTimer,
    );
  }

  async nextTimerDue(): Promise<number | undefined> {
    const r = this.stmt(`SELECT MIN(due_at) AS due FROM timers WHERE state = 'scheduled'`).get() as { due: number | null };
    return r.due ?? undefined;
  }

  async getTimer(id: string): Promise<TimerRow | undefined> {
    return this.one('SELECT * FROM timers WHERE id = ?', [id], map.toTimer);
  }

  async saveStartTimers(timers: TimerRow[], cancelDefinitionKeys: string[]): Promise<void> {
    this.saveStartTimersTx.immediate(timers, cancelDefinitionKeys);
  }

  async fireStartTimer(id: string, next: TimerRow | undefined, now: number): Promise<boolean> {
    return this.fireStartTimerTx.immediate(id, next, now);
  }

  // messages and signals

  findSubscriptions(kind: 'message', name: string, correlationKey: string): Promise<SubscriptionRow[]>;
  findSubscriptions(kind: 'signal', name: string): Promise<SubscriptionRow[]>;
  async findSubscriptions(kind: SubscriptionKind, name: string, correlationKey?: string): Promise<SubscriptionRow[]> {
    if (kind === 'message') {
      return this.all(
        `SELECT * FROM subscriptions WHERE kind = 'message' AND name = ? AND correlation_key = ? ORDER BY created_at, id`,
        [name, correlationKey ?? ''],
        map.toSubscription,
      );
    }
    return this.all(
      `SELECT * FROM subscriptions WHERE kind = ? AND name = ? ORDER BY created_at, id`,
      [kind, name],
      map.toSubscription,
    );
  }

  async bufferMessage(m: MessageRow): Promise<boolean> {
    return this.bufferMessageTx.immediate(m);
  }

  async findBufferedMessages(name: string, correlationKey: string, instanceId: string, now: number): Promise<MessageRow[]> {
    return this.all(
      `SELECT m.* FROM messages m
        WHERE m.name = ? AND m.correlation_key = ? AND m.expires_at > ?
          AND NOT EXISTS (SELECT 1 FROM message_consumption c WHERE c.message_id = m.id AND c.instance_id = ?)
        ORDER BY m.published_at, m.id`,
      [name, correlationKey, now, instanceId],
      map.toMessage,
    );
  }

  async deleteExpiredMessages(now: number): Promise<number> {
    return this.deleteExpiredMessagesTx.immediate(now);
  }

  // history and outbox

  async getHistory(instanceId: string): Promise<HistoryEvent[]> {
    return this.all('SELECT * FROM history WHERE instance_id = ? ORDER BY seq', [instanceId], map.toHistory);
  }

  async pendingOutbox(limit: number): Promise<OutboxRow[]> {
    return this.all(
      'SELECT * FROM outbox ORDER BY created_at, seq LIMIT ?',
      [Math.max(0, Math.floor(limit))],
      map.toOutbox,
    );
  }

  async markOutboxDone(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    this.stmt('DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?))').run(JSON.stringify(ids));
  }
}
