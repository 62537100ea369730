/**
 * Sync requests: "bring job K's row and BullMQ job together" (reconciler.ts), as jobs of one internal
 * BullMQ queue worked by every engine process. A request is deduplicated per job key with
 * `keepLastIfActive`: while one waits, more requests add nothing (it will see the latest state);
 * while one runs, the next is kept and queued when it finishes. So a key is synced by one process at
 * a time, no request is lost, a crashed process's requests are taken over when their lock expires,
 * and a sync that fails (Redis or the store away) is retried with backoff. Requests of commits (a job
 * to queue, withdraw or queue again) go before those of finished jobs and sweeps, so that a burst of
 * results to apply or remove does not hold back new work.
 */
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullmqJobId, SYNC_QUEUE } from './names';
import type { JobReconciler, SyncResult } from './reconciler';

export interface SyncRequest {
  key: string;
  type: string;
}

/** BullMQ priorities of sync requests (1 = first). */
export const SYNC_PRIORITY = { commit: 1, finished: 2 } as const;

export interface SyncQueueOptions {
  connection: Redis;
  prefix: string;
  concurrency: number;
  lockMs: number;
  onError: (err: unknown) => void;
}

export class SyncQueue {
  private readonly queue: Queue<SyncRequest, SyncResult>;
  private worker?: Worker<SyncRequest, SyncResult>;

  constructor(
    private readonly reconciler: JobReconciler,
    private readonly options: SyncQueueOptions,
  ) {
    this.queue = new Queue<SyncRequest, SyncResult>(SYNC_QUEUE, {
      connection: options.connection,
      prefix: options.prefix,
      defaultJobOptions: { attempts: 10, backoff: { type: 'exponential', delay: 200 }, removeOnComplete: true, removeOnFail: { age: 24 * 3600 } },
    });
    this.queue.on('error', options.onError);
  }

  start(): void {
    const { connection, prefix, concurrency, lockMs, onError } = this.options;
    this.worker = new Worker<SyncRequest, SyncResult>(SYNC_QUEUE, (job) => this.reconciler.sync(job.data.key, job.data.type), {
      connection,
      prefix,
      concurrency,
      lockDuration: lockMs,
      stalledInterval: Math.max(500, Math.floor(lockMs / 2)),
      maxStalledCount: 5,
    });
    this.worker.on('error', onError);
    this.worker.on('failed', (job, err) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) onError(err);
    });
  }

  async request(items: readonly SyncRequest[], priority: number = SYNC_PRIORITY.finished): Promise<void> {
    if (!items.length) return;
    await this.queue.addBulk(
      items.map((data) => ({
        name: 'sync',
        data,
        opts: { priority, deduplication: { id: bullmqJobId(data.key), keepLastIfActive: true } },
      })),
    );
  }

  get bullmqQueue(): Queue<SyncRequest, SyncResult> {
    return this.queue;
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}
