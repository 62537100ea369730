/**
 * Dispatches committed outbox rows: wakes the scheduler, starts and cancels child instances, reports
 * child results to parents, matches buffered messages, throws signals. Rows are handled in commit order
 * right after their commit, and whatever a crash left behind is handled again at start and by a periodic
 * sweep. Every handler is idempotent: child ids are derived from the parent's wait, parent
 * notifications are refused once the parent no longer waits.
 */
import type { OutboxRow, Store } from '../store/types';
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
}

type Payload = Record<string, unknown> & { variables?: Record<string, unknown> };

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
  private sweeper?: NodeJS.Timeout;
  private stopped = true;

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
      if (current === this.chain && this.inFlight === 0) return;
    }
  }

  enqueue(rows: OutboxRow[]): void {
    if (this.stopped) return; // the next start's sweep picks them up
    this.inFlight++;
    this.chain = this.chain.then(async () => {
      try {
        await this.dispatch(rows);
      } finally {
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
      try {
        await this.handle(row.kind, row.payload as Payload);
        done.push(row.id);
      } catch (err) {
        this.onError(err, `outbox ${row.kind}`);
      }
    }
    if (done.length) await this.store.markOutboxDone(done);
  }

  private async handle(kind: string, p: Payload): Promise<void> {
    const { executor, messaging, scheduler } = this.deps!;
    switch (kind) {
      case 'timer.scheduled':
        return scheduler.scheduled(p.timerId as string, p.dueAt as number);
      case 'timer.canceled':
        return scheduler.canceled(p.timerId as string);
      case 'message.subscribed':
        return tolerate(() => messaging.matchBuffered(p.instanceId as string, p.waitId as string, p.name as string, p.correlationKey as string | undefined));
      case 'signal.throw':
        await messaging.broadcastSignal(p.name as string, p.variables ?? {}, 'engine');
        return;
      case 'child.start':
        return this.startChild(p);
      case 'child.cancel':
        return tolerate(() => executor.execute(p.childId as string, 'engine', async (row, at) =>
          row.state === 'completed' || row.state === 'terminated' ? { event: null, skip: true } : { event: { type: 'CANCEL', at, actor: 'engine' } }));
      case 'parent.complete':
        return tolerate(() => executor.execute(p.parentInstanceId as string, 'engine', async (_row, at) =>
          ({ event: { type: 'CHILD_COMPLETE', waitId: p.waitId as string, variables: p.variables ?? {}, at, actor: 'engine' } })));
      case 'parent.escalation':
        return tolerate(() => executor.execute(p.parentInstanceId as string, 'engine', async (_row, at) =>
          ({ event: { type: 'CHILD_ESCALATION', waitId: p.waitId as string, escalationCode: p.escalationCode as string, at, actor: 'engine' } })));
      case 'parent.error':
        return tolerate(() => executor.execute(p.parentInstanceId as string, 'engine', async (_row, at) =>
          ({ event: { type: 'CHILD_ERROR', waitId: p.waitId as string, errorCode: p.errorCode as string, errorMessage: p.errorMessage as string | undefined, at, actor: 'engine' } })));
      default:
        return; // a kind this version does not know: nothing to do
    }
  }

  /** Starts the child of a call activity; a process that is not deployed becomes an incident on the call. */
  private async startChild(p: Payload): Promise<void> {
    const { executor, definitions } = this.deps!;
    const parentId = p.parentInstanceId as string;
    const waitId = p.waitId as string;
    let def;
    try {
      def = await definitions.latest(p.processId as string);
    } catch (err) {
      if (!(err instanceof EngineError && err.code === 'NOT_FOUND')) throw err;
      const message = `called process ${p.processId} is not deployed`;
      await tolerate(() => executor.execute(parentId, 'engine', async (_row, at) => ({ event: { type: 'CHILD_START_FAILED', waitId, message, at, actor: 'engine' } })));
      return;
    }
    await executor.start(def, { id: p.childId as string, variables: p.variables ?? {}, parent: { instanceId: parentId, waitId }, actor: 'engine' });
  }
}
