/**
 * The BullMQ scheduler (docs/architecture.md, "The adapters"; chosen when REDIS_URL is set): one delayed BullMQ job per
 * timer occurrence, fired by a BullMQ Worker in whichever engine process takes it first.
 *
 * Truth stays in the store. Redis holds only "wake me at dueAt" reminders, so:
 * - job id = `${timerId}@${dueAt}` (timer id URI-encoded: BullMQ refuses ':' in ids). Dispatching the
 *   same occurrence twice adds nothing; a re-armed cycle (same timer id, new dueAt) gets a new job.
 * - the worker loads the timer row from the store and calls `fire(row)` only while the row is still
 *   `scheduled` at that dueAt; `fire` is idempotent anyway (the engine re-checks inside its command).
 *   A fire that throws, or that leaves the row scheduled, fails the job: BullMQ retries it with
 *   exponential backoff. Jobs of a worker that died are recovered by BullMQ's stalled-job check.
 * - Redis may lose jobs (restart without persistence, eviction, a job that ran out of attempts), and
 *   some timers are written without an outbox row (start timers at deploy, the next cycle of a start
 *   timer): on start and on every reconnect all scheduled timers of the store are re-enqueued, and a
 *   periodic sync re-enqueues those due soon and revives overdue ones whose job failed or vanished.
 * - a timer due soon (within `localWindowMs`) is also fired by the process that scheduled it, from a
 *   timer of its own: BullMQ promotes a delayed job tens of milliseconds late at times (p99 about
 *   90 ms on an idle machine), which an escalation or SLA timer should not pay. The BullMQ job stays
 *   as the reminder that survives this process; whichever comes second finds the row fired and does
 *   nothing (the engine re-checks the row inside its command).
 * - lateness (firedAt - dueAt) of the timers this process fired is kept for `stats()`.
 */
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Store, TimerRow } from '../store/types';
import { TIMER_QUEUE } from './jobs/names';
import type { Scheduler } from './types';

export interface BullmqSchedulerOptions {
  redisUrl: string;
  store: Store;
  /** Key prefix in Redis (default `processdesk`); tests use a unique one per run. */
  prefix?: string;
  /** Queue name (default `timers`). */
  queueName?: string;
  clock?: () => number;
  /** Timers fired in parallel by this process (default 20). */
  concurrency?: number;
  /** Attempts per timer job before it is left to the sync (default 10), first backoff (default 200 ms). */
  attempts?: number;
  backoffMs?: number;
  /** How often the store is synced into Redis (default 5000 ms). */
  syncMs?: number;
  /**
   * Timers due within this many ms of being scheduled are also fired from a timer of this process
   * (default 60000; 0: BullMQ alone), at most `maxLocalTimers` at a time (default 10000).
   */
  localWindowMs?: number;
  maxLocalTimers?: number;
  /** BullMQ lock duration and stalled-check interval (defaults 30000 / 15000 ms). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  onError?: (err: unknown, timer?: TimerRow) => void;
}

export interface TimerJobData {
  timerId: string;
  dueAt: number;
}

export interface LatenessStats {
  fired: number;
  p50: number;
  p99: number;
  max: number;
  /** Timer occurrences this process has armed its own timer for, now. */
  local: number;
}

const SAMPLES = 10_000;
const RESYNC_LIMIT = 1_000_000;

export function timerJobId(timerId: string, dueAt: number): string {
  return `${encodeURIComponent(timerId)}@${dueAt}`;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export class BullmqScheduler implements Scheduler {
  private connection?: Redis;
  private queue?: Queue<TimerJobData>;
  private worker?: Worker<TimerJobData>;
  private fire?: (timer: TimerRow) => Promise<void>;
  private syncTimer?: NodeJS.Timeout;
  private syncing?: Promise<void>;
  private stopped = true;
  private wasDisconnected = false;
  private readonly lateness: number[] = [];
  private latenessNext = 0;
  private firedCount = 0;
  /** This process's own timers of soon-due timer occurrences, by job id. */
  private readonly local = new Map<string, NodeJS.Timeout>();
  private readonly clock: () => number;
  private readonly store: Store;
  private readonly prefix: string;
  private readonly queueName: string;

  constructor(private readonly options: BullmqSchedulerOptions) {
    this.store = options.store;
    this.clock = options.clock ?? Date.now;
    this.prefix = options.prefix ?? 'processdesk';
    this.queueName = options.queueName ?? TIMER_QUEUE;
  }

  async start(fire: (timer: TimerRow) => Promise<void>): Promise<void> {
    this.fire = fire;
    this.stopped = false;
    // One connection for the queue (commands queue up while Redis is away); the worker duplicates it
    // for its blocking connection. maxRetriesPerRequest null: BullMQ workers require it.
    const connection = new Redis(this.options.redisUrl, {
      maxRetriesPerRequest: null,
      retryStrategy: (times) => Math.min(50 * times, 1000),
    });
    this.connection = connection;
    connection.on('error', () => undefined); // reconnects on its own; reported through sync failures
    connection.on('close', () => {
      if (!this.stopped) this.wasDisconnected = true;
    });
    connection.on('ready', () => {
      if (this.wasDisconnected && !this.stopped) {
        this.wasDisconnected = false;
        void this.resync(true);
      }
    });
    this.queue = new Queue<TimerJobData>(this.queueName, {
      connection,
      prefix: this.prefix,
      defaultJobOptions: {
        attempts: this.options.attempts ?? 10,
        backoff: { type: 'exponential', delay: this.options.backoffMs ?? 200 },
        removeOnComplete: { age: 3600, count: 100_000 },
        removeOnFail: { age: 24 * 3600 },
      },
    });
    this.queue.on('error', () => undefined);
    this.worker = new Worker<TimerJobData>(this.queueName, (job) => this.process(job), {
      connection,
      prefix: this.prefix,
      concurrency: this.options.concurrency ?? 20,
      lockDuration: this.options.lockDurationMs ?? 30_000,
      stalledInterval: this.options.stalledIntervalMs ?? 15_000,
      maxStalledCount: 5,
    });
    this.worker.on('error', (err) => {
      if (!this.stopped) this.report(err);
    });
    this.worker.on('failed', (job, err) => {
      if (!this.stopped && job && job.attemptsMade >= (job.opts.attempts ?? 1)) this.report(err);
    });
    await this.resync(true);
    const syncMs = this.options.syncMs ?? 5000;
    this.syncTimer = setInterval(() => void this.resync(false), syncMs);
    this.syncTimer.unref();
  }

  async scheduled(timerId: string, dueAt: number): Promise<void> {
    if (this.stopped || !this.queue) return; // the next start re-enqueues it from the store
    // No timer id: "timers were written without an outbox row" (a deployment's start timers): sync them.
    if (!timerId) return this.resync(true);
    await this.add([{ timerId, dueAt }]);
    this.armLocal(timerId, dueAt);
  }

  async canceled(timerId: string): Promise<void> {
    const prefix = `${encodeURIComponent(timerId)}@`;
    for (const [id, handle] of this.local) {
      if (id.startsWith(prefix)) {
        clearTimeout(handle);
        this.local.delete(id);
      }
    }
    if (this.stopped || !this.queue) return;
    const row = await this.store.getTimer(timerId);
    // The worker ignores canceled rows anyway; removing the job just keeps Redis small.
    if (row) await this.queue.remove(timerJobId(timerId, row.dueAt));
  }

  async ping(): Promise<void> {
    if (this.stopped || !this.connection) throw new Error('scheduler is stopped');
    await this.connection.ping();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.syncTimer) clearInterval(this.syncTimer);
    for (const handle of this.local.values()) clearTimeout(handle);
    this.local.clear();
    await this.syncing?.catch(() => undefined);
    await this.worker?.close();
    await this.queue?.close();
    this.connection?.disconnect();
    this.worker = undefined;
    this.queue = undefined;
    this.connection = undefined;
  }

  /** Lateness (firedAt - dueAt, ms) of the timers this process fired (last 10,000), and its own timers armed. */
  stats(): LatenessStats {
    const sorted = [...this.lateness].sort((a, b) => a - b);
    return { fired: this.firedCount, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? 0, local: this.local.size };
  }

  /** The BullMQ queue (tests and metrics). */
  get timerQueue(): Queue<TimerJobData> | undefined {
    return this.queue;
  }

  private report(err: unknown, timer?: TimerRow): void {
    (this.options.onError ?? ((e) => console.error('[processdesk] bullmq scheduler:', e)))(err, timer);
  }

  private async add(items: TimerJobData[]): Promise<void> {
    const now = this.clock();
    await this.queue!.addBulk(items.map((d) => ({ name: 'timer', data: d, opts: { jobId: timerJobId(d.timerId, d.dueAt), delay: Math.max(0, d.dueAt - now) } })));
  }

  /**
   * Copies scheduled timers from the store into Redis. `all`: every scheduled timer (start, reconnect);
   * otherwise those due within two sync periods, and overdue ones whose job failed for good or is gone.
   */
  private resync(all: boolean): Promise<void> {
    if (this.syncing) return this.syncing;
    this.syncing = (async () => {
      try {
        const now = this.clock();
        const syncMs = this.options.syncMs ?? 5000;
        const rows = await this.store.dueTimers(all ? Number.MAX_SAFE_INTEGER : now + 2 * syncMs, all ? RESYNC_LIMIT : 5000);
        for (let i = 0; i < rows.length && !this.stopped; i += 500) {
          await this.add(rows.slice(i, i + 500).map((r) => ({ timerId: r.id, dueAt: r.dueAt })));
        }
        // Overdue by more than a sync period: revive jobs that exhausted their attempts.
        for (const row of rows) {
          if (this.stopped || row.dueAt > now - syncMs) break;
          const id = timerJobId(row.id, row.dueAt);
          const job = await this.queue!.getJob(id);
          const state = job ? await job.getState() : 'unknown';
          if (job && (state === 'failed' || state === 'completed')) {
            await job.remove().catch(() => undefined);
            await this.add([{ timerId: row.id, dueAt: row.dueAt }]);
          } else if (!job) {
            await this.add([{ timerId: row.id, dueAt: row.dueAt }]);
          }
        }
      } catch (err) {
        if (!this.stopped) this.report(err);
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  /** Arms this process's own timer for an occurrence due within the local window. */
  private armLocal(timerId: string, dueAt: number): void {
    const window = this.options.localWindowMs ?? 60_000;
    const wait = dueAt - this.clock();
    const id = timerJobId(timerId, dueAt);
    if (wait > window || this.local.has(id) || this.local.size >= (this.options.maxLocalTimers ?? 10_000)) return;
    const handle = setTimeout(() => void this.fireLocal(id, timerId, dueAt), Math.max(0, wait));
    handle.unref();
    this.local.set(id, handle);
  }

  /**
   * Fires an occurrence from this process's timer. A failure is left to the BullMQ job (retried with
   * backoff, reported when it runs out), so nothing is reported here.
   */
  private async fireLocal(id: string, timerId: string, dueAt: number): Promise<void> {
    this.local.delete(id);
    if (this.stopped) return;
    const early = dueAt - this.clock();
    // this process's timer and its clock disagree by a millisecond at times: come back when it is due
    if (early > 0) return this.armLocal(timerId, dueAt);
    try {
      const row = await this.due(timerId, dueAt);
      if (row && !this.stopped) await this.fireRow(row);
    } catch {
      // the BullMQ job fires it again
    }
  }

  /** The timer row of this occurrence while it is still scheduled, else undefined (fired, canceled, re-armed). */
  private async due(timerId: string, dueAt: number): Promise<TimerRow | undefined> {
    const row = await this.store.getTimer(timerId);
    return row && row.state === 'scheduled' && row.dueAt === dueAt ? row : undefined;
  }

  /** Fires a scheduled row; true (and its lateness recorded) once the row is no longer scheduled at that dueAt. */
  private async fireRow(row: TimerRow): Promise<boolean> {
    const firedAt = this.clock();
    await this.fire!(row);
    if (await this.due(row.id, row.dueAt)) return false;
    this.record(firedAt - row.dueAt);
    return true;
  }

  private async process(job: Job<TimerJobData>): Promise<string> {
    const { timerId, dueAt } = job.data;
    const row = await this.due(timerId, dueAt);
    if (!row) return 'stale';
    const early = row.dueAt - this.clock();
    if (early > 0) {
      // Redis and this process disagree a little on the time: wait briefly, or retry later.
      if (early > 2000) throw new Error(`timer ${timerId} is not due for ${early} ms`);
      await new Promise((r) => setTimeout(r, early));
    }
    if (!(await this.fireRow(row))) throw new Error(`timer ${timerId} is still scheduled after firing`);
    return 'fired';
  }

  private record(lateMs: number): void {
    this.firedCount++;
    if (this.lateness.length < SAMPLES) this.lateness.push(lateMs);
    else this.lateness[this.latenessNext++ % SAMPLES] = lateMs;
  }
}
