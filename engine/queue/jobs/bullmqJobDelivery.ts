/**
 * Jobs on BullMQ (chosen when REDIS_URL is set): every job the engine creates becomes a BullMQ job on
 * the queue of its type, with the engine's job key as its id. Plain BullMQ workers, `npm run worker`
 * and HTTP workers all take jobs from there. The store stays the truth: results go back as engine
 * commands checked against the instance revision, and the sync keeps Redis in line with the store.
 *
 * Parts: queues.ts (a queue per type and its limits), sync.ts + reconciler.ts (the sync of one job),
 * events.ts and sweeps.ts (what asks for a sync besides commits), pull.ts (HTTP workers),
 * jobWorker.ts (workers inside an engine process). Redis connection: one shared by the queues; BullMQ
 * gives every worker and event reader its own blocking copy.
 */
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { DEFAULT_LIMITS } from '../../expr/limits';
import type { JobRow, Store } from '../../store/types';
import { FinishedJobEvents } from './events';
import { JobPull } from './pull';
import { JobQueues } from './queues';
import { JobReconciler } from './reconciler';
import { JobTypeSettingsTable, type JobQueueSettings } from './settings';
import { JobSweeps } from './sweeps';
import { SYNC_PRIORITY, SyncQueue, type SyncRequest } from './sync';
import { JobWorker } from './jobWorker';
import type { JobDelivery, JobHandler, JobQueueStats, JobSink, WorkOptions } from './types';

export interface BullmqJobDeliveryOptions {
  redisUrl: string;
  store: Pick<Store, 'liveJobs'>;
  /** Redis key prefix (default `processdesk`, shared with the timer queue). */
  prefix?: string;
  settings?: JobQueueSettings;
  clock?: () => number;
  onError?: (err: unknown, context: string) => void;
  /** Lines about refused results and jobs that cannot be queued (default: console.warn). */
  log?: (line: string) => void;
  /** The engine's maxJsonDepth, which results from Redis meet too. */
  maxJsonDepth?: number;
}

interface Running {
  connection: Redis;
  queues: JobQueues;
  sync: SyncQueue;
  events: FinishedJobEvents;
  sweeps: JobSweeps;
  pull: JobPull;
  sink: JobSink;
}

export class BullmqJobDelivery implements JobDelivery {
  readonly settings: JobTypeSettingsTable;
  private running?: Running;
  private readonly workers = new Set<JobWorker>();
  private readonly pending = new Set<Promise<void>>();
  /** Job keys whose commits ask for no sync right now (see Quietly), with how many callers each. */
  private readonly quiet = new Map<string, number>();
  private readonly prefix: string;
  private readonly clock: () => number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: BullmqJobDeliveryOptions) {
    this.settings = new JobTypeSettingsTable(options.settings);
    this.prefix = options.prefix ?? 'processdesk';
    this.clock = options.clock ?? Date.now;
    this.log = options.log ?? ((line) => console.warn(`[processdesk] ${line}`));
  }

  private onError = (err: unknown): void => {
    if (this.running) (this.options.onError ?? ((e, where) => console.error(`[processdesk] ${where}:`, e)))(err, 'job queues');
  };

  async start(sink: JobSink): Promise<void> {
    if (this.running) return;
    const { settings, prefix, clock, onError } = this;
    // maxRetriesPerRequest null: BullMQ workers need it; commands wait while Redis is away.
    const connection = new Redis(this.options.redisUrl, { maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(50 * times, 1000) });
    connection.on('error', () => undefined); // it reconnects on its own; failures surface through the sync
    const queues = new JobQueues(connection, prefix, settings, onError);
    const maxJsonDepth = this.options.maxJsonDepth ?? DEFAULT_LIMITS.maxJsonDepth;
    const reconciler = new JobReconciler({ queues, sink, settings, clock, log: this.log, quietly: this.quietly, maxJsonDepth });
    const sync = new SyncQueue(reconciler, { connection, prefix, concurrency: settings.syncConcurrency, lockMs: settings.syncLockMs, onError });
    const request = (items: SyncRequest[], priority?: number): Promise<void> => sync.request(items, priority);
    const events = new FinishedJobEvents(connection, prefix, settings.maxEventReaders, (items) => this.track(request(items)), onError);
    const sweeps = new JobSweeps({
      connection,
      queues,
      store: this.options.store,
      events,
      request,
      onError,
      sweepMs: settings.sweepMs,
      resyncMs: settings.resyncMs,
    });
    const pull = new JobPull({ connection, prefix, queues, sink, clock, request, onError, quietly: this.quietly });
    this.running = { connection, queues, sync, events, sweeps, pull, sink };
    let disconnected = false;
    connection.on('close', () => (disconnected = true));
    connection.on('ready', () => {
      if (!disconnected) return;
      disconnected = false;
      void sweeps.runNow(); // what happened while Redis was away
    });
    sync.start();
    for (const type of await queues.knownTypes()) events.watch(type);
    await events.ready();
    sweeps.start();
  }

  async stop(): Promise<void> {
    const running = this.running;
    if (!running) return;
    await running.sweeps.stop();
    await Promise.all([...this.workers].map((w) => w.close()));
    this.workers.clear();
    await running.pull.close();
    await running.events.close();
    await this.idle();
    this.running = undefined;
    await running.sync.close();
    await running.queues.close();
    running.connection.disconnect();
  }

  committed(jobs: readonly JobRow[]): void {
    const running = this.running;
    if (!running) return;
    const asking = jobs.filter((j) => !this.quiet.has(j.key));
    if (!asking.length) return;
    for (const job of asking) running.events.watch(job.type); // a type queued here: hear its results here
    this.track(
      running.sync.request(
        asking.map((j) => ({ key: j.key, type: j.type })),
        SYNC_PRIORITY.commit,
      ),
    );
  }

  private readonly quietly = async <T>(key: string, work: () => Promise<T>): Promise<T> => {
    this.quiet.set(key, (this.quiet.get(key) ?? 0) + 1);
    try {
      return await work();
    } finally {
      const left = this.quiet.get(key)! - 1;
      if (left) this.quiet.set(key, left);
      else this.quiet.delete(key);
    }
  };

  private track(work: Promise<void>): void {
    const tracked = work.catch((err) => this.onError(err)).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  async take(req: { type: string; worker: string; max: number; lockMs?: number }): Promise<JobRow[]> {
    const running = this.require();
    return running.pull.take(req.type, req.worker, req.max, req.lockMs ?? this.settings.of(req.type).timeoutMs);
  }

  async moveLock(job: JobRow, lockExpiresAt: number): Promise<boolean> {
    return this.require().pull.moveLock(job.type, job.key, lockExpiresAt);
  }

  async work(type: string, handler: JobHandler, options: WorkOptions = {}): Promise<() => Promise<void>> {
    const running = this.require();
    running.events.watch(type);
    const worker = new JobWorker(type, handler, {
      connection: running.connection,
      prefix: this.prefix,
      sink: running.sink,
      settings: this.settings,
      workerId: options.workerId ?? `worker-${process.pid}`,
      concurrency: options.concurrency,
      log: options.log ?? this.log,
      onError: this.onError,
      quietly: this.quietly,
      maxJsonDepth: this.options.maxJsonDepth ?? DEFAULT_LIMITS.maxJsonDepth,
    });
    this.workers.add(worker);
    await worker.waitUntilReady();
    return async () => {
      this.workers.delete(worker);
      await worker.close();
    };
  }

  stats(): Promise<JobQueueStats[]> {
    return this.require().queues.stats(this.clock());
  }

  async queues(): Promise<Queue[]> {
    const { queues, sync } = this.require();
    const types = await Promise.all((await queues.knownTypes()).map((t) => queues.queue(t)));
    return [...types, sync.bullmqQueue];
  }

  async ping(): Promise<void> {
    await this.require().connection.ping();
  }

  private require(): Running {
    if (!this.running) throw new Error('the job queues are stopped');
    return this.running;
  }
}
