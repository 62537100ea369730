/**
 * The MongoDB Store adapter (mongoose 9 / driver 7), chosen when MONGODB_URL is set. Collections and
 * indexes: schemas.ts; rows <-> documents: mapping.ts.
 *
 * THE COMMIT AND CRASH SAFETY
 * A CommitBatch touches many documents (instance, history, tasks, jobs, timers, subscriptions,
 * incidents, message consumption, outbox). The commit point is always ONE conditional write of the
 * instance document: `updateOne({ _id, rev: expectedRev, _pending: absent })` (or `insertOne` for a new
 * instance, duplicate key = ConflictError). Two writers on one revision: one matches, the other gets
 * ConflictError and the executor reloads and retries (docs/architecture.md, "The command path").
 *
 * - Replica set or sharded cluster (detected at init via `hello`: setName or msg 'isdbgrid'): the
 *   instance write and every other write of the batch run in one multi-document transaction
 *   (`session.withTransaction`), outbox included. Nothing of a failed commit is visible.
 * - Standalone server (no transactions): the instance write carries the rest of the batch inside the
 *   instance document itself (`_pending`, a write-ahead record; a single-document write is atomic).
 *   Then the other documents are written in a fixed order, history first and the OUTBOX LAST, and
 *   `_pending` is cleared. A crash anywhere after the instance write leaves `_pending` behind; it is
 *   rolled forward (the same idempotent writes) before anyone uses the instance again: `getInstance`
 *   and `commit` roll it forward first (a commit on an instance with `_pending` fails the revision
 *   check until it is settled), `init` and `pendingOutbox` settle every pending instance. Re-applying is
 *   idempotent: history and outbox rows are insert-if-absent by id, and other rows carry `_rev`, the
 *   instance revision that wrote them, and are only replaced by a write from a newer revision (a job
 *   locked by a worker since is not reset by a replay of the commit that created it). Because the
 *   outbox is written last, a dispatcher never acts on an effect whose rows are not in place; a crash
 *   before the outbox write means the outbox rows come with the roll-forward. Readers of tasks, jobs
 *   and history may briefly see the state before a commit whose roll-forward is in progress; they never
 *   see a state the instance did not reach.
 * - Writes outside commits: `activateJobs` locks each job with one conditional `findOneAndUpdate`
 *   (only jobs still activatable/expired are taken, so two workers never get the same job);
 *   `fireStartTimer` is a conditional update (`state: 'scheduled'`) then the next occurrence;
 *   `bufferMessage` checks the live messageId then inserts (inside a transaction on a replica set; on a
 *   standalone two concurrent publishes of one messageId may both be buffered, consumption per instance
 *   is still recorded once).
 * Writes use majority write concern when the server is a replica set (`w: 'majority'`, journaled).
 */
import mongoose, { type ClientSession, type Connection } from 'mongoose';
import {
  ConflictError,
  type AttachmentRow,
  type CheckpointHead,
  type CheckpointRow,
  type CommitBatch,
  type DefinitionRow,
  type DraftRow,
  type DraftSummary,
  type HistoryEvent,
  type IncidentRow,
  type IncidentState,
  type InstanceQuery,
  type InstanceRow,
  type JobRow,
  type LinkRow,
  type MessageRow,
  type OutboxRow,
  type Page,
  type ResourceRow,
  type SealedHead,
  type SlaRecordQuery,
  type SlaRecordRow,
  type Store,
  type SubscriptionKind,
  type SubscriptionRow,
  type TaskQuery,
  type TaskRow,
  type TaskSearch,
  type TaskViewRow,
  type TimerRow,
} from '../types';
import { decodeCursor, pageSize, toPage, type CursorPosition } from '../sqlite/paging';
import { externalKeyId, fromDoc, toDoc, type CollectionName, type Doc, type RowTypes } from './mapping';
import { pendingWrites, type PendingWrites } from './pendingWrites';
import * as sealing from './sealing';
import { takeTicketNumber } from './tickets';
import * as slaRecords from './slaRecords';
import * as desk from './taskDesk';
import { models, type Models } from './schemas';

export interface MongoStoreOptions {
  url: string;
  /** Collection name prefix (default `pd_`); tests use a unique one. */
  prefix?: string;
  /** Force (true) or forbid (false) transactions; default: detect a replica set. */
  transactions?: boolean;
}

type Filter = Record<string, unknown>;

function isDuplicate(err: unknown): boolean {
  return (err as { code?: number })?.code === 11000 || (err as { writeErrors?: { code: number }[] })?.writeErrors?.every((e) => e.code === 11000) === true;
}

function afterCursor(field: string, after: CursorPosition | undefined): Filter {
  return after ? { $or: [{ [field]: { $gt: after.at } }, { [field]: after.at, _id: { $gt: after.id } }] } : {};
}

function and(...filters: Filter[]): Filter {
  const parts = filters.filter((f) => Object.keys(f).length);
  return parts.length === 0 ? {} : parts.length === 1 ? parts[0] : { $and: parts };
}

export class MongoStore implements Store {
  private connection?: Connection;
  private m?: Models;
  private transactions = false;

  constructor(private readonly options: MongoStoreOptions) {}

  private get models(): Models {
    if (!this.m) throw new Error('MongoStore: call init() first');
    return this.m;
  }

  private col(name: CollectionName | 'consumption' | 'ticket_counters' | 'counters') {
    return this.models[name].collection;
  }

  /** Whether commits use multi-document transactions (known after init). */
  get usesTransactions(): boolean {
    return this.transactions;
  }

  async init(): Promise<void> {
    if (!this.connection) {
      this.connection = await mongoose.createConnection(this.options.url, { serverSelectionTimeoutMS: 10_000 }).asPromise();
      this.m = models(this.connection, this.options.prefix ?? 'pd_');
      const hello = (await this.connection.db!.admin().command({ hello: 1 })) as { setName?: string; msg?: string };
      this.transactions = this.options.transactions ?? (!!hello.setName || hello.msg === 'isdbgrid');
    }
    for (const model of Object.values(this.models)) {
      await model.createCollection().catch((err: { codeName?: string }) => {
        if (err?.codeName !== 'NamespaceExists') throw err;
      });
      await model.createIndexes();
    }
    await this.settleAll();
  }

  async close(): Promise<void> {
    await this.connection?.close();
    this.connection = undefined;
    this.m = undefined;
  }

  async ping(): Promise<void> {
    await this.connection!.db!.admin().command({ ping: 1 });
  }

  // definitions and resources

  async saveDefinitions(defs: DefinitionRow[], resources: ResourceRow[]): Promise<void> {
    await this.inTransaction(async (session) => {
      for (const d of defs) {
        try {
          await this.col('definitions').insertOne(toDoc('definitions', d) as never, { session });
        } catch (err) {
          if (isDuplicate(err)) throw new ConflictError(`definition ${d.processId} version ${d.version} already exists`);
          throw err;
        }
      }
      for (const r of resources) await this.col('resources').replaceOne({ _id: r.id as never }, toDoc('resources', r), { upsert: true, session });
    });
  }

  async getDefinition(key: string): Promise<DefinitionRow | undefined> {
    return this.one('definitions', { _id: key });
  }

  async getLatestDefinition(processId: string): Promise<DefinitionRow | undefined> {
    const doc = await this.col('definitions').find({ processId }).sort({ version: -1 }).limit(1).next();
    return doc ? fromDoc('definitions', doc) : undefined;
  }

  async listLatestDefinitions(): Promise<DefinitionRow[]> {
    const docs = await this.col('definitions')
      .aggregate([
        { $sort: { processId: 1, version: -1 } },
        { $group: { _id: '$processId', doc: { $first: '$$ROOT' } } },
        { $replaceRoot: { newRoot: '$doc' } },
        { $sort: { processId: 1 } },
      ])
      .toArray();
    return docs.map((d) => fromDoc('definitions', d));
  }

  getResource(id: string): Promise<ResourceRow | undefined> {
    return this.one('resources', { _id: id });
  }

  listResources(kind?: string): Promise<ResourceRow[]> {
    return this.many('resources', kind === undefined ? {} : { kind }, { _id: 1 });
  }

  // instances and the atomic commit

  async getInstance(id: string): Promise<InstanceRow | undefined> {
    let doc = await this.col('instances').findOne({ _id: id as never });
    if (doc?._pending) {
      await this.settle(id);
      doc = await this.col('instances').findOne({ _id: id as never });
    }
    return doc ? fromDoc('instances', doc) : undefined;
  }

  async instanceRev(id: string): Promise<number | undefined> {
    const doc = await this.col('instances').findOne({ _id: id as never }, { projection: { rev: 1, _pending: 1 } });
    // a commit still being applied: what counts is what it settles to (as in getInstance)
    if (doc?._pending) return (await this.getInstance(id))?.rev;
    return doc ? (doc.rev as number) : undefined;
  }

  async listInstances(q: InstanceQuery): Promise<Page<InstanceRow>> {
    const limit = pageSize(q.limit);
    const filter: Filter = {};
    if (q.processId !== undefined) filter.processId = q.processId;
    if (q.state !== undefined) filter.state = q.state;
    if (q.businessKey !== undefined) filter.businessKey = q.businessKey;
    if (q.parentInstanceId !== undefined) filter.parentInstanceId = q.parentInstanceId;
    let visible: Filter = {};
    if (q.visibleTo) {
      const { user, groups, processIds } = q.visibleTo;
      const withTask = await this.col('tasks').distinct('instanceId', { $or: [{ assignee: user }, { candidateUsers: user }, { candidateGroups: { $in: groups } }] });
      visible = { $or: [{ startedBy: user }, { processId: { $in: processIds } }, { _id: { $in: withTask as never[] } }] };
    }
    const rows = await this.many('instances', and(filter, visible, afterCursor('startedAt', decodeCursor(q.cursor))), { startedAt: 1, _id: 1 }, limit + 1);
    return toPage(rows, limit, (i) => ({ at: i.startedAt, id: i.id }));
  }

  async commit(batch: CommitBatch): Promise<void> {
    const inst = batch.instance;
    if (batch.expectedRev !== null && inst.rev !== batch.expectedRev + 1) {
      throw new Error(`commit of instance ${inst.id}: rev must be expectedRev + 1 (${batch.expectedRev + 1}), got ${inst.rev}`);
    }
    const writes = pendingWrites(batch);
    if (this.transactions) {
      await this.inTransaction(async (session) => {
        if (batch.ticket) await takeTicketNumber(this.col('ticket_counters'), batch.ticket, session);
        await this.writeInstance(batch, undefined, session);
        await this.applyWrites(writes, session);
      });
      return;
    }
    if (batch.expectedRev !== null) {
      const current = await this.col('instances').findOne({ _id: inst.id as never }, { projection: { _pending: 1 } });
      if (current?._pending) await this.settle(inst.id); // then the revision check below decides
    }
    // Without transactions the number is taken before the commit point: a commit that fails then leaves
    // a gap in the numbers, never a number used twice.
    if (batch.ticket) await takeTicketNumber(this.col('ticket_counters'), batch.ticket);
    await this.writeInstance(batch, writes);
    await this.applyWrites(writes);
    await this.col('instances').updateOne({ _id: inst.id as never, rev: inst.rev }, { $unset: { _pending: '', _pendingRev: '' } });
  }

  /** The commit point: insert, or conditional update on the expected revision (and no pending writes). */
  private async writeInstance(batch: CommitBatch, pending: PendingWrites | undefined, session?: ClientSession): Promise<void> {
    const inst = batch.instance;
    const doc = toDoc('instances', inst, pending ? { _pending: pending, _pendingRev: pending.rev } : {});
    if (batch.expectedRev === null) {
      try {
        await this.col('instances').insertOne(doc as never, { session });
      } catch (err) {
        if (isDuplicate(err)) throw new ConflictError(`instance ${inst.id} already exists`);
        throw err;
      }
      return;
    }
    const { _id, ...fields } = doc;
    const unset: Record<string, ''> = {};
    for (const key of ['businessKey', 'parentInstanceId', 'parentWaitId', 'endedAt']) if (!(key in fields)) unset[key] = '';
    const update: Filter = { $set: fields };
    if (Object.keys(unset).length) update.$unset = unset;
    const result = await this.col('instances').updateOne({ _id: _id as never, rev: batch.expectedRev, _pending: { $exists: false } }, update, { session });
    if (result.matchedCount === 0) {
      const current = await this.col('instances').findOne({ _id: _id as never }, { projection: { rev: 1 }, session });
      throw new ConflictError(
        current
          ? `instance ${inst.id} is at rev ${current.rev as number}, expected ${batch.expectedRev}`
          : `instance ${inst.id} does not exist (expected rev ${batch.expectedRev})`,
      );
    }
  }

  /**
   * The non-instance writes of a commit, in order. In a transaction (`session`) a write error aborts
   * the whole transaction, so nothing here may fail on purpose: rows are plain upserts (the instance
   * revision check already serialised the commit) and insert-if-absent uses `$setOnInsert`; a history
   * event that exists already fails the commit. Without a session the writes are idempotent replays
   * (see the top comment): rows are only replaced by a newer revision.
   */
  private async applyWrites(w: PendingWrites, session?: ClientSession): Promise<void> {
    const insertIfAbsent = async (name: CollectionName | 'consumption', docs: Doc[]) => {
      for (const { _id, ...fields } of docs) {
        try {
          await this.col(name).updateOne({ _id: _id as never }, { $setOnInsert: fields }, { upsert: true, session });
        } catch (err) {
          if (!isDuplicate(err)) throw err; // a concurrent replay inserted it
        }
      }
    };
    const replaceRows = async (name: CollectionName, docs: Doc[]) => {
      for (const doc of docs) {
        if (session) {
          await this.col(name).replaceOne({ _id: doc._id as never }, doc, { upsert: true, session });
          continue;
        }
        try {
          await this.col(name).replaceOne({ _id: doc._id as never, $or: [{ _rev: { $lt: w.rev } }, { _rev: { $exists: false } }] }, doc, { upsert: true });
        } catch (err) {
          if (!isDuplicate(err)) throw err; // written by this or a newer revision already
        }
      }
    };
    if (session) {
      try {
        if (w.history.length) await this.col('history').insertMany(w.history as never[], { session, ordered: true });
      } catch (err) {
        if (isDuplicate(err)) throw new Error(`a history event of this commit already exists (${w.history.map((h) => h._id).join(', ')})`, { cause: err });
        throw err;
      }
    } else {
      await insertIfAbsent('history', w.history);
    }
    await replaceRows('tasks', w.tasks);
    await replaceRows('jobs', w.jobs);
    await replaceRows('timers', w.timers);
    // Deletes first, so a subscription deleted and re-created by the same command survives (a replay
    // does not delete what this revision inserted).
    if (w.subscriptionsDelete.length) {
      await this.col('subscriptions').deleteMany(
        session ? { _id: { $in: w.subscriptionsDelete as never[] } } : { _id: { $in: w.subscriptionsDelete as never[] }, _rev: { $lt: w.rev } },
        { session },
      );
    }
    await insertIfAbsent('subscriptions', w.subscriptionsInsert);
    await replaceRows('incidents', w.incidents);
    await replaceRows('sla_records', w.slaRecords ?? []);
    await insertIfAbsent('consumption', w.consumed);
    // a settle of an older commit may lack the field
    await insertIfAbsent('links', w.links ?? []);
    await insertIfAbsent('outbox', w.outbox);
  }

  /** Rolls forward the pending writes of one instance (no-op when there are none). */
  private async settle(id: string): Promise<void> {
    const doc = await this.col('instances').findOne({ _id: id as never }, { projection: { rev: 1, _pending: 1 } });
    const pending = doc?._pending as PendingWrites | undefined;
    if (!pending) return;
    await this.applyWrites(pending);
    await this.col('instances').updateOne({ _id: id as never, rev: pending.rev }, { $unset: { _pending: '', _pendingRev: '' } });
  }

  private async settleAll(): Promise<void> {
    if (this.transactions) return;
    const ids = await this.col('instances')
      .find({ _pendingRev: { $exists: true } }, { projection: { _id: 1 } })
      .limit(1000)
      .toArray();
    for (const { _id } of ids) await this.settle(String(_id));
  }

  // tasks

  getTask(id: string): Promise<TaskRow | undefined> {
    return this.one('tasks', { _id: id });
  }

  async listTasks(q: TaskQuery): Promise<Page<TaskRow>> {
    const limit = pageSize(q.limit);
    const filter: Filter = {};
    if (q.state !== undefined) filter.state = q.state;
    if (q.assignee !== undefined) filter.assignee = q.assignee;
    if (q.candidateGroup !== undefined) filter.candidateGroups = q.candidateGroup;
    if (q.instanceId !== undefined) filter.instanceId = q.instanceId;
    if (q.processId !== undefined) filter.processId = q.processId;
    const visible: Filter = q.visibleTo ? { $or: [{ assignee: q.visibleTo.user }, { candidateUsers: q.visibleTo.user }, { candidateGroups: { $in: q.visibleTo.groups } }] } : {};
    const rows = await this.many('tasks', and(filter, visible, afterCursor('createdAt', decodeCursor(q.cursor))), { createdAt: 1, _id: 1 }, limit + 1);
    return toPage(rows, limit, (t) => ({ at: t.createdAt, id: t.id }));
  }

  async setTaskAssignee(id: string, assignee: string | undefined): Promise<TaskRow | undefined> {
    await this.col('tasks').updateOne({ _id: id as never, state: 'created' }, assignee === undefined ? { $unset: { assignee: '' } } : { $set: { assignee } });
    return this.getTask(id);
  }

  // jobs and incidents

  getJob(key: string): Promise<JobRow | undefined> {
    return this.one('jobs', { _id: key });
  }

  async activateJobs(type: string, worker: string, max: number, lockMs: number, now: number): Promise<JobRow[]> {
    if (!(max >= 1)) return [];
    const live: Filter = {
      type,
      $and: [
        { $or: [{ state: 'activatable' }, { state: 'activated', lockExpiresAt: { $lte: now } }] },
        { $or: [{ notBefore: { $exists: false } }, { notBefore: null }, { notBefore: { $lte: now } }] },
      ],
    };
    const candidates = await this.col('jobs')
      .find(live, { projection: { _id: 1 } })
      .sort({ createdAt: 1, _id: 1 })
      .limit(Math.floor(max))
      .toArray();
    const lockExpiresAt = now + lockMs;
    const out: JobRow[] = [];
    for (const { _id } of candidates) {
      // Conditional per job: a job another worker took in between no longer matches `live`.
      const doc = await this.col('jobs').findOneAndUpdate({ _id, ...live }, { $set: { state: 'activated', worker, lockExpiresAt } }, { returnDocument: 'after' });
      if (doc) out.push(fromDoc('jobs', doc));
    }
    return out;
  }

  async updateJob(job: JobRow): Promise<void> {
    const current = await this.col('jobs').findOne({ _id: job.key as never }, { projection: { _rev: 1 } });
    await this.col('jobs').replaceOne({ _id: job.key as never }, toDoc('jobs', job, current?._rev !== undefined ? { _rev: current._rev } : {}));
  }

  liveJobs(after: Pick<JobRow, 'type' | 'createdAt' | 'key'> | undefined, limit: number): Promise<JobRow[]> {
    if (!(limit >= 1)) return Promise.resolve([]);
    const live: Filter = { state: { $in: ['activatable', 'activated'] } };
    // The index { type, state, createdAt, _id } serves this order; `after` continues behind the last row seen.
    const filter: Filter = after
      ? {
          ...live,
          $or: [
            { type: { $gt: after.type } },
            { type: after.type, createdAt: { $gt: after.createdAt } },
            { type: after.type, createdAt: after.createdAt, _id: { $gt: after.key } },
          ],
        }
      : live;
    return this.many('jobs', filter, { type: 1, createdAt: 1, _id: 1 }, Math.floor(limit));
  }

  listIncidents(q: { instanceId?: string; state?: IncidentState }): Promise<IncidentRow[]> {
    const filter: Filter = {};
    if (q.instanceId !== undefined) filter.instanceId = q.instanceId;
    if (q.state !== undefined) filter.state = q.state;
    return this.many('incidents', filter, { createdAt: 1, _id: 1 });
  }

  getIncident(id: string): Promise<IncidentRow | undefined> {
    return this.one('incidents', { _id: id });
  }

  // timers

  dueTimers(now: number, limit: number): Promise<TimerRow[]> {
    return this.many('timers', { state: 'scheduled', dueAt: { $lte: now } }, { dueAt: 1, _id: 1 }, Math.max(0, Math.floor(limit)) || -1);
  }

  async nextTimerDue(): Promise<number | undefined> {
    const doc = await this.col('timers')
      .find({ state: 'scheduled' }, { projection: { dueAt: 1 } })
      .sort({ dueAt: 1 })
      .limit(1)
      .next();
    return doc ? (doc.dueAt as number) : undefined;
  }

  getTimer(id: string): Promise<TimerRow | undefined> {
    return this.one('timers', { _id: id });
  }

  async saveStartTimers(timers: TimerRow[], cancelDefinitionKeys: string[]): Promise<void> {
    await this.inTransaction(async (session) => {
      if (cancelDefinitionKeys.length) {
        await this.col('timers').updateMany(
          { state: 'scheduled', instanceId: { $exists: false }, definitionKey: { $in: cancelDefinitionKeys } },
          { $set: { state: 'canceled' } },
          { session },
        );
      }
      for (const t of timers) await this.col('timers').replaceOne({ _id: t.id as never }, toDoc('timers', t), { upsert: true, session });
    });
  }

  async fireStartTimer(id: string, next: TimerRow | undefined, now: number): Promise<boolean> {
    return this.inTransaction(async (session) => {
      const r = await this.col('timers').updateOne({ _id: id as never, state: 'scheduled' }, { $set: { state: 'fired', firedAt: now } }, { session });
      if (r.modifiedCount !== 1) return false;
      if (next) await this.col('timers').replaceOne({ _id: next.id as never }, toDoc('timers', next), { upsert: true, session });
      return true;
    });
  }

  // messages and signals

  findSubscriptions(kind: 'message', name: string, correlationKey: string): Promise<SubscriptionRow[]>;
  findSubscriptions(kind: 'signal', name: string): Promise<SubscriptionRow[]>;
  findSubscriptions(kind: SubscriptionKind, name: string, correlationKey?: string): Promise<SubscriptionRow[]> {
    const filter: Filter = kind === 'message' ? { kind, name, correlationKey: correlationKey ?? '' } : { kind, name };
    return this.many('subscriptions', filter, { createdAt: 1, _id: 1 });
  }

  async bufferMessage(m: MessageRow): Promise<boolean> {
    return this.inTransaction(async (session) => {
      if (m.messageId !== undefined && m.messageId !== null) {
        const live = await this.col('messages').findOne({ messageId: m.messageId, expiresAt: { $gt: m.publishedAt } }, { session });
        if (live) return false;
      }
      try {
        await this.col('messages').insertOne(toDoc('messages', m) as never, { session });
      } catch (err) {
        if (isDuplicate(err)) throw new ConflictError(`message ${m.id} already exists`);
        throw err;
      }
      return true;
    });
  }

  async findBufferedMessages(name: string, correlationKey: string, instanceId: string, now: number): Promise<MessageRow[]> {
    const messages = await this.many('messages', { name, correlationKey, expiresAt: { $gt: now } }, { publishedAt: 1, _id: 1 });
    if (!messages.length) return [];
    const consumed = await this.col('consumption')
      .find({ instanceId, messageId: { $in: messages.map((x) => x.id) } }, { projection: { messageId: 1 } })
      .toArray();
    const done = new Set(consumed.map((c) => c.messageId as string));
    return messages.filter((x) => !done.has(x.id));
  }

  async deleteExpiredMessages(now: number): Promise<number> {
    const expired = await this.col('messages')
      .find({ expiresAt: { $lte: now } }, { projection: { _id: 1 } })
      .toArray();
    if (!expired.length) return 0;
    const ids = expired.map((e) => e._id);
    await this.col('consumption').deleteMany({ messageId: { $in: ids } });
    return (await this.col('messages').deleteMany({ _id: { $in: ids } })).deletedCount;
  }

  // history and outbox

  getHistory(instanceId: string): Promise<HistoryEvent[]> {
    return this.many('history', { instanceId }, { seq: 1 });
  }

  async pendingOutbox(limit: number): Promise<OutboxRow[]> {
    await this.settleAll();
    return this.many('outbox', {}, { createdAt: 1, _seq: 1 }, Math.max(0, Math.floor(limit)) || -1);
  }

  async markOutboxDone(ids: string[]): Promise<void> {
    if (ids.length) await this.col('outbox').deleteMany({ _id: { $in: ids as never[] } });
  }

  /** MongoDB checks its own files (WiredTiger checksums); a round trip tells the server answers. */
  checkIntegrity(): Promise<string | undefined> {
    return this.ping().then(
      () => undefined,
      (err: Error) => `MongoDB does not answer: ${err.message}`,
    );
  }

  // the task desk (taskDesk.ts)
  searchTasks(q: TaskSearch): Promise<{ items: TaskRow[]; total: number }> {
    return desk.searchTasks(this.models, q);
  }
  saveTaskView(view: TaskViewRow): Promise<void> {
    return desk.saveTaskView(this.models, view);
  }
  listTaskViews(owner: string): Promise<TaskViewRow[]> {
    return desk.listTaskViews(this.models, owner);
  }
  deleteTaskView(id: string, owner: string): Promise<boolean> {
    return desk.deleteTaskView(this.models, id, owner);
  }
  saveAttachment(a: AttachmentRow): Promise<void> {
    return desk.saveAttachment(this.models, a);
  }
  getAttachment(id: string): Promise<AttachmentRow | undefined> {
    return desk.getAttachment(this.models, id);
  }
  listAttachments(instanceId: string): Promise<Omit<AttachmentRow, 'content'>[]> {
    return desk.listAttachments(this.models, instanceId);
  }

  // ticket numbers and links

  async lastTicketNumber(prefix: string): Promise<number> {
    const doc = await this.col('ticket_counters').findOne({ _id: prefix as never });
    return (doc?.value as number | undefined) ?? 0;
  }

  async listLinks(instanceId: string, limit: number): Promise<LinkRow[]> {
    return this.many('links', { $or: [{ fromId: instanceId }, { toId: instanceId }] }, { createdAt: 1, _id: 1 }, Math.max(0, Math.floor(limit)) || -1);
  }

  // sealing (sealing.ts)
  writeCheckpoint(build: (heads: CheckpointHead[], previous: CheckpointRow | undefined) => CheckpointRow | undefined, limit: number): Promise<CheckpointRow | undefined> {
    return sealing.writeCheckpoint(this.models, build, limit);
  }
  listCheckpoints(afterSeq: number, limit: number): Promise<CheckpointRow[]> {
    return sealing.listCheckpoints(this.models, afterSeq, Math.floor(limit));
  }
  checkpointedHeads(instanceId: string): Promise<(CheckpointHead & { checkpoint: number })[]> {
    return sealing.checkpointedHeads(this.models, instanceId);
  }
  unsealedInstances(limit: number): Promise<InstanceRow[]> {
    return sealing.unsealedInstances(this.models, Math.floor(limit));
  }
  sealHead(instanceId: string, rev: number, head: SealedHead): Promise<boolean> {
    return sealing.sealHead(this.models, instanceId, rev, head);
  }

  // drafts

  getDraft(userId: string, processId: string): Promise<DraftRow | undefined> {
    return this.one('drafts', { userId, processId });
  }

  async listDrafts(userId: string): Promise<DraftSummary[]> {
    const docs = await this.col('drafts')
      .find({ userId } as never, { projection: { xml: 0, forms: 0 } })
      .sort({ updatedAt: -1, _id: 1 })
      .toArray();
    return docs.map((d) => fromDoc('drafts', d));
  }

  async saveDraft(draft: DraftRow): Promise<void> {
    await this.col('drafts').replaceOne({ _id: draft.id as never }, toDoc('drafts', draft), { upsert: true });
  }

  async deleteDraft(userId: string, processId: string): Promise<boolean> {
    return (await this.col('drafts').deleteOne({ userId, processId } as never)).deletedCount > 0;
  }

  listSlaRecords(q: SlaRecordQuery): Promise<SlaRecordRow[]> {
    return slaRecords.listSlaRecords(this.models, q);
  }

  // numeric keys of ids

  async externalKey(kind: string, id: string): Promise<number> {
    const _id = externalKeyId(kind, id);
    const existing = await this.col('external_keys').findOne({ _id } as never);
    if (existing) return existing.key as number;
    // a number from the counter, then the insert: the unique _id lets one allocation of (kind, id) win;
    // the loser's number stays unused (keys have gaps, as sequences do)
    const counter = await this.col('counters').findOneAndUpdate({ _id: 'external_keys' } as never, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after' });
    const key = (counter as { seq: number } | null)?.seq;
    if (!key) throw new Error('MongoStore: the external key counter did not answer');
    try {
      await this.col('external_keys').insertOne(toDoc('external_keys', { key, kind, id }) as never);
      return key;
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
      const winner = await this.col('external_keys').findOne({ _id } as never);
      if (!winner) throw err;
      return winner.key as number;
    }
  }

  async resolveExternalKey(key: number): Promise<{ kind: string; id: string } | undefined> {
    const doc = await this.col('external_keys').findOne({ key } as never);
    return doc ? { kind: String(doc.kind), id: String(doc.id) } : undefined;
  }

  // helpers

  private async one<C extends CollectionName>(name: C, filter: Filter): Promise<RowTypes[C] | undefined> {
    const doc = await this.col(name).findOne(filter as never);
    return doc ? fromDoc(name, doc) : undefined;
  }

  /** limit -1: nothing (a zero limit means "no limit" to MongoDB). */
  private async many<C extends CollectionName>(name: C, filter: Filter, sort: Record<string, 1 | -1>, limit?: number): Promise<RowTypes[C][]> {
    if (limit === -1) return [];
    let cursor = this.col(name)
      .find(filter as never)
      .sort(sort);
    if (limit !== undefined) cursor = cursor.limit(limit);
    return (await cursor.toArray()).map((d) => fromDoc(name, d));
  }

  private async inTransaction<T>(work: (session?: ClientSession) => Promise<T>): Promise<T> {
    if (!this.transactions) return work(undefined);
    const session = await this.connection!.startSession();
    try {
      let result: T | undefined;
      await session.withTransaction(
        async () => {
          result = await work(session);
        },
        { writeConcern: { w: 'majority', j: true } },
      );
      return result as T;
    } finally {
      await session.endSession();
    }
  }
}

export { pendingWrites };
