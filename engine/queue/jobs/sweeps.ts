/**
 * What events and commits can miss, found by looking, in the background:
 * - every `sweepMs`: finished BullMQ jobs whose result no engine process heard of (all were down, or
 *   an event reader was reconnecting); they wait in Redis until the engine has their result;
 * - every `resyncMs`: live jobs of the store without a BullMQ job (an engine process died between its
 *   commit and the enqueue, Redis lost its data, someone removed a job in the dashboard).
 * Both also run at start and when Redis comes back. They only make sync requests.
 */
import type { Redis } from 'ioredis';
import type { JobRow, Store } from '../../store/types';
import type { FinishedJobEvents } from './events';
import { bullmqJobId } from './names';
import type { JobQueues } from './queues';
import { SYNC_PRIORITY, type SyncRequest } from './sync';

const PAGE = 500;

export interface JobSweepsDeps {
  connection: Redis;
  queues: JobQueues;
  store: Pick<Store, 'liveJobs'>;
  events: FinishedJobEvents;
  request: (items: SyncRequest[], priority?: number) => Promise<void>;
  onError: (err: unknown) => void;
  sweepMs: number;
  resyncMs: number;
}

export class JobSweeps {
  private timers: NodeJS.Timeout[] = [];
  private running = new Map<string, Promise<void>>();
  private stopped = true;

  constructor(private readonly deps: JobSweepsDeps) {}

  start(): void {
    this.stopped = false;
    this.runNow();
    this.timers = [
      setInterval(() => void this.once('finished', () => this.sweepFinished()), this.deps.sweepMs),
      setInterval(() => void this.once('live', () => this.resync()), this.deps.resyncMs),
    ];
    for (const t of this.timers) t.unref();
  }

  /** Both passes now (start, Redis back). */
  runNow(): Promise<void> {
    return Promise.all([this.once('finished', () => this.sweepFinished()), this.once('live', () => this.resync())]).then(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await Promise.all(this.running.values());
  }

  /** One pass of a kind at a time; a pass asked for while one runs is that one. */
  private once(kind: string, pass: () => Promise<void>): Promise<void> {
    if (this.stopped) return Promise.resolve();
    let run = this.running.get(kind);
    if (!run) {
      run = pass()
        .catch((err) => this.deps.onError(err))
        .finally(() => this.running.delete(kind));
      this.running.set(kind, run);
    }
    return run;
  }

  /** Finished BullMQ jobs of every known type: their results go to the engine. */
  async sweepFinished(): Promise<void> {
    const { queues, events, request } = this.deps;
    for (const type of await queues.knownTypes()) {
      if (this.stopped) return;
      events.watch(type);
      const queue = await queues.queue(type);
      for (let start = 0; !this.stopped; start += PAGE) {
        const jobs = await queue.getJobs(['completed', 'failed'], start, start + PAGE - 1, true);
        const items = jobs.flatMap((j) => (j?.data?.key ? [{ key: j.data.key, type }] : []));
        await request(items);
        if (jobs.length < PAGE) break;
      }
    }
  }

  /** Live jobs of the store that have no BullMQ job. */
  async resync(): Promise<void> {
    const { connection, queues, store, events, request } = this.deps;
    let after: JobRow | undefined;
    while (!this.stopped) {
      const rows = await store.liveJobs(after, PAGE);
      if (!rows.length) return;
      const pipeline = connection.pipeline();
      for (const row of rows) {
        events.watch(row.type);
        pipeline.exists((await queues.queue(row.type)).toKey(bullmqJobId(row.key)));
      }
      const exists = (await pipeline.exec()) ?? [];
      const missing = rows.filter((_row, i) => exists[i]?.[1] !== 1);
      await request(
        missing.map((r) => ({ key: r.key, type: r.type })),
        SYNC_PRIORITY.commit,
      ); // work to queue: as a commit's
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1];
    }
  }
}
