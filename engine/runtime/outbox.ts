/**
 * Dispatches committed outbox rows: wakes the scheduler, starts and cancels child instances, reports
 * child results to parents, matches buffered messages, throws signals. Rows are handled in commit order
 * right after their commit, and whatever a crash left behind is handled again at start and by a periodic
 * sweep. Every handler is idempotent: child ids are derived from the parent's wait, parent
 * notifications are refused once the parent no longer waits.
 */
import type { OutboxEntry, OutboxRow, Store, TaskAssignedNotice } from '../store/types';
import type { Scheduler } from '../queue/types';
import type { DefinitionCache } from './definitions';
import { EngineError } from './errors';
import type { Clock, Executor } from './executor';
import type { Messaging } from './messaging';

interface Deps {
  executor: Executor;
  definitions: DefinitionCache;
  messaging: Messaging;
  scheduler: Scheduler;
  clock: Clock;
  /** Tells someone a task was given to them (Engine option onTaskAssigned); none: the row is done. */
  taskAssigned?: (notice: TaskAssignedNotice) => Promise<void>;
}

/** A task notice that keeps failing is given up after this many tries (each sweep tries once). */
const MAX_NOTICE_TRIES = 20;

type ChildStart = Extract<OutboxEntry, { kind: 'child.start' }>['payload'];

const SWEEP_MS = 5000;
/** A pending row this old is taken to be orphaned by a crashed process. */
const ORPHAN_AFTER_MS = 1000;

/** Runs a dispatch step whose target may have moved on (finished, canceled, already notified). */
async function tolerate(work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (!(err instanceof EngineError && (err.code === 'CONFLICT' || err.code === 'NOT_FOUND'))) throw err;
  }
}

export class OutboxDispatcher {
  private deps?: Deps;
  private chain: Promise<void> = Promise.resolve();
  private inFlight = 0;
  /** Row ids queued or being dispatched in this process: a sweep leaves them be. */
  private readonly queued = new Set<string>();
  private sweeper?: NodeJS.Timeout;
  private stopped = true;
  /** Task notices being sent (beside the chain: a slow mail server holds no timer or child up), by row id. */
  private readonly notices = new Map<string, Promise<void>>();
  /** Failed tries of task notices still pending, by row id. */
  private readonly noticeTries = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly onError: (err: unknown, context: string) => void,
  ) {}

  bind(deps: Deps): void {
    this.deps = deps;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.sweep(true);
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    // Leave nothing orphaned behind: rows a crashed process left are handled before this one goes too.
    await this.sweep();
    await this.idle();
    this.stopped = true;
  }

  /** Resolves when nothing is being dispatched (including work that dispatch itself caused). */
  async idle(): Promise<void> {
    for (;;) {
      const current = this.chain;
      await current;
      await Promise.all(this.notices.values());
      if (current === this.chain && this.inFlight === 0 && this.notices.size === 0) return;
    }
  }

  /**
   * Queues committed rows for dispatch. Rows this process already has queued or in hand, which a sweep
   * finds again (a backlog older than ORPHAN_AFTER_MS), are left out: dispatched twice, a signal would
   * start its signal-start processes twice. A row id is committed once (it carries its commit's revision).
   */
  enqueue(rows: OutboxRow[]): void {
    if (this.stopped) return; // the next start's sweep picks them up
    rows = rows.filter((r) => !this.queued.has(r.id) && !this.notices.has(r.id));
    if (!rows.length) return;
    for (const r of rows) this.queued.add(r.id);
    this.inFlight++;
    this.chain = this.chain.then(async () => {
      try {
        await this.dispatch(rows);
      } catch (err) {
        // The store failed (a database restarting, a lost connection): the rows stay pending and the
        // sweep dispatches them again. Left to reject, the chain would stay rejected and every later
        // dispatch of this process would be skipped.
        this.onError(err, 'outbox');
      } finally {
        for (const r of rows) this.queued.delete(r.id);
        this.inFlight--;
      }
    });
  }

  /**
   * Re-dispatches what a crash left behind. At start everything pending is ours to finish; later only
   * rows older than ORPHAN_AFTER_MS (a live process dispatches its rows within milliseconds of their
   * commit), so rows another process just committed stay with that process.
   */
  private async sweep(all = false): Promise<void> {
    try {
      const rows = await this.store.pendingOutbox(500);
      const stale = all ? rows : rows.filter((r) => r.createdAt < this.deps!.clock() - ORPHAN_AFTER_MS);
      if (stale.length) this.enqueue(stale);
    } catch (err) {
      this.onError(err, 'outbox sweep');
    }
  }

  private async dispatch(rows: OutboxRow[]): Promise<void> {
    const done: string[] = [];
    for (const row of rows) {
      if (row.kind === 'task.assigned' && this.deps!.taskAssigned) {
        this.notice(row, row.payload, this.deps!.taskAssigned);
        continue;
      }
      try {
        await this.handle(row);
        done.push(row.id);
      } catch (err) {
        this.onError(err, `outbox ${row.kind}`);
      }
    }
    if (done.length) await this.store.markOutboxDone(done);
  }

  /**
   * Sends a task notice beside the chain and marks its row done once it went out. A failure leaves the
   * row pending for the next sweep (at least once); after MAX_NOTICE_TRIES it is given up, with an error.
   */
  private notice(row: OutboxRow, notice: TaskAssignedNotice, send: (n: TaskAssignedNotice) => Promise<void>): void {
    const work = (async () => {
      try {
        await send(notice);
        this.noticeTries.delete(row.id);
        await this.store.markOutboxDone([row.id]);
      } catch (err) {
        const tries = (this.noticeTries.get(row.id) ?? 0) + 1;
        this.noticeTries.set(row.id, tries);
        if (tries < MAX_NOTICE_TRIES) return this.onError(err, `task notice to ${notice.assignee} (try ${tries}; again at the next sweep)`);
        this.noticeTries.delete(row.id);
        this.onError(err, `task notice to ${notice.assignee}: given up after ${tries} tries`);
        await this.store.markOutboxDone([row.id]).catch((e) => this.onError(e, 'outbox'));
      } finally {
        this.notices.delete(row.id);
      }
    })();
    this.notices.set(row.id, work);
  }

  /** Does what one entry asks; the switch covers every kind of OutboxEntry (store/types.ts). */
  private async handle(entry: OutboxEntry): Promise<void> {
    const { executor, messaging, scheduler } = this.deps!;
    switch (entry.kind) {
      case 'timer.scheduled':
        return scheduler.scheduled(entry.payload.timerId, entry.payload.dueAt);
      case 'timer.canceled':
        return scheduler.canceled(entry.payload.timerId);
      case 'message.subscribed': {
        const { instanceId, waitId, name, correlationKey } = entry.payload;
        return tolerate(() => messaging.matchBuffered(instanceId, waitId, name, correlationKey));
      }
      case 'signal.throw':
        await messaging.broadcastSignal(entry.payload.name, entry.payload.variables, 'engine', entry.payload.thrownBy);
        return;
      case 'child.start':
        return this.startChild(entry.payload);
      case 'instance.continue':
        // The rest of a command that reached its step budget (limits.maxStepsPerCommand). The store
        // answers synchronously, so without a macrotask in between the continuations of a huge start
        // would run back to back and hold the event loop as long as one command doing it all.
        await new Promise((resolve) => setImmediate(resolve));
        return tolerate(() =>
          executor.execute(entry.payload.instanceId, 'engine', async (row, at) =>
            row.state === 'completed' || row.state === 'terminated' ? { event: null, skip: true } : { event: { type: 'CONTINUE', at, actor: 'engine' } },
          ),
        );
      case 'child.cancel':
        return tolerate(() =>
          executor.execute(entry.payload.childId, 'engine', async (row, at) =>
            row.state === 'completed' || row.state === 'terminated' ? { event: null, skip: true } : { event: { type: 'CANCEL', at, actor: 'engine' } },
          ),
        );
      case 'parent.complete': {
        const { parentInstanceId, waitId, variables } = entry.payload;
        return tolerate(() => executor.execute(parentInstanceId, 'engine', async (_row, at) => ({ event: { type: 'CHILD_COMPLETE', waitId, variables, at, actor: 'engine' } })));
      }
      case 'parent.escalation': {
        const { parentInstanceId, waitId, escalationCode } = entry.payload;
        return tolerate(() =>
          executor.execute(parentInstanceId, 'engine', async (_row, at) => ({ event: { type: 'CHILD_ESCALATION', waitId, escalationCode, at, actor: 'engine' } })),
        );
      }
      case 'parent.error': {
        const { parentInstanceId, waitId, errorCode, errorMessage } = entry.payload;
        return tolerate(() =>
          executor.execute(parentInstanceId, 'engine', async (_row, at) => ({ event: { type: 'CHILD_ERROR', waitId, errorCode, errorMessage, at, actor: 'engine' } })),
        );
      }
      default:
        return; // a row of a kind this version does not know (written by a newer one): nothing to do
    }
  }

  /** Starts the child of a call activity; a process that is not deployed becomes an incident on the call. */
  private async startChild(p: ChildStart): Promise<void> {
    const { executor, definitions } = this.deps!;
    const { parentInstanceId: parentId, waitId } = p;
    let def;
    try {
      def = await definitions.latest(p.processId);
    } catch (err) {
      if (!(err instanceof EngineError && err.code === 'NOT_FOUND')) throw err;
      const message = `called process ${p.processId} is not deployed`;
      await tolerate(() => executor.execute(parentId, 'engine', async (_row, at) => ({ event: { type: 'CHILD_START_FAILED', waitId, message, at, actor: 'engine' } })));
      return;
    }
    // The called instance counts as started by whoever started its caller (the requester of a change
    // is the one its approval is for).
    await executor.start(def, { id: p.childId, variables: p.variables, parent: { instanceId: parentId, waitId }, actor: 'engine', startedBy: p.startedBy });
  }
}
