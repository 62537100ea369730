/**
 * Jobs taken over HTTP (POST /api/jobs/activate) while jobs are on BullMQ. A job is taken from its
 * queue as a BullMQ worker takes one, so it is never handed to two workers at once; its row records
 * the HTTP worker and when its lock ends (an engine command); then the BullMQ job is parked as a
 * delayed job until that time. No worker gets it while the lock holds, and a lock that ends without
 * an answer offers it again (BullMQ promotes it). The HTTP worker's complete, fail or error goes to
 * the engine as always, and the sync removes the parked job or queues it afresh. A worker that needs
 * more (or less) time moves its lock: the parked job's delay moves with it (moveLock).
 */
import { randomUUID } from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobRow } from '../../store/types';
import { bullmqJobId, engineJobKey, jobQueueName } from './names';
import type { JobQueues } from './queues';
import { SYNC_PRIORITY, type SyncRequest } from './sync';
import type { JobSink, ProcessDeskJobData, Quietly } from './types';

/** Lock of a job between being taken and being parked: an engine process that dies in between loses it after this. */
const TAKE_LOCK_MS = 30_000;
/**
 * Takers kept open (each is a BullMQ worker with a Redis connection); the least recently used one is
 * closed beyond this. Only types that had jobs get one (see take).
 */
const MAX_TAKERS = 32;

export interface JobPullDeps {
  connection: Redis;
  queues: Pick<JobQueues, 'isKnown' | 'queue'>;
  prefix: string;
  sink: JobSink;
  clock: () => number;
  request: (items: SyncRequest[], priority?: number) => Promise<void>;
  onError: (err: unknown) => void;
  quietly: Quietly;
}

export class JobPull {
  private readonly takers = new Map<string, Worker<ProcessDeskJobData>>();

  constructor(private readonly deps: JobPullDeps) {}

  /** Takes up to `max` jobs of `type` for `worker`, locked for `lockMs`; the rows come without variables. */
  async take(type: string, worker: string, max: number, lockMs: number): Promise<JobRow[]> {
    const { sink, clock, request, queues } = this.deps;
    if (!(await queues.isKnown(type))) return []; // no job of this type was ever queued
    const taker = this.taker(type);
    const taken: JobRow[] = [];
    while (taken.length < max) {
      const token = randomUUID();
      const job = (await taker.getNextJob(token, { block: false })) as Job<ProcessDeskJobData> | undefined;
      if (!job) break;
      const key = job.data?.key ?? engineJobKey(job.id);
      const lockExpiresAt = clock() + lockMs;
      // The row first: a sync that runs meanwhile sees the BullMQ job active and leaves it alone (and
      // the lock's commit needs none: the job is parked right after).
      const row = key ? await this.deps.quietly(key, () => sink.lock(key, worker, lockExpiresAt)) : undefined;
      if (row) await job.updateData({ ...job.data, pulledBy: worker, lockExpiresAt });
      await job.moveToDelayed(lockExpiresAt, token);
      if (row) taken.push(row);
      else if (key) await request([{ key, type }], SYNC_PRIORITY.commit); // finished or canceled meanwhile: the sync removes it
    }
    return taken;
  }

  /** Moves a taken job's parked delay to `lockExpiresAt`; false when it is not parked by an HTTP worker (any more). */
  async moveLock(type: string, key: string, lockExpiresAt: number): Promise<boolean> {
    const queue = await this.deps.queues.queue(type);
    const job = await queue.getJob(bullmqJobId(key));
    if (!job?.data?.pulledBy || !(await job.isDelayed())) return false;
    try {
      await job.changeDelay(Math.max(0, lockExpiresAt - this.deps.clock()));
    } catch {
      return false; // promoted (its lock ended) between the check and the change
    }
    await job.updateData({ ...job.data, lockExpiresAt });
    return true;
  }

  private taker(type: string): Worker<ProcessDeskJobData> {
    let taker = this.takers.get(type);
    if (taker) {
      this.takers.delete(type); // most recently used last
    } else {
      taker = new Worker<ProcessDeskJobData>(jobQueueName(type), null, {
        connection: this.deps.connection,
        prefix: this.deps.prefix,
        autorun: false,
        name: 'http',
        lockDuration: TAKE_LOCK_MS,
      });
      taker.on('error', this.deps.onError);
      // Nobody else may be checking this queue for stalled jobs (only HTTP workers work the type).
      void taker.startStalledCheckTimer();
      const [oldest] = this.takers.keys();
      if (this.takers.size >= MAX_TAKERS && oldest !== undefined) {
        void this.takers.get(oldest)!.close().catch(this.deps.onError);
        this.takers.delete(oldest);
      }
    }
    this.takers.set(type, taker);
    return taker;
  }

  async close(): Promise<void> {
    await Promise.all([...this.takers.values()].map((t) => t.close()));
    this.takers.clear();
  }
}
