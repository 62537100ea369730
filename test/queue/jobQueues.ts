/**
 * Shared by the BullMQ job queue tests: an engine on the real Redis (REDIS_URL, default
 * redis://127.0.0.1:6379) under a key prefix of its own, plain BullMQ workers on that prefix, and the
 * removal of every key of the prefix afterwards (the Redis is shared).
 */
import { randomBytes } from 'node:crypto';
import { Worker, type Processor, type WorkerOptions } from 'bullmq';
import { deleteRedisPrefix } from '../../bench/lib/redis';
import type { EngineOptions } from '../../engine';
import { jobQueueName, type JobQueueSettings, type ProcessDeskJobData } from '../../engine/queue/jobs';
import { tempEngine } from '../support/engine';

export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

export const testPrefix = (name: string): string => `pdtest-${name}-${process.pid}-${randomBytes(4).toString('hex')}`;

/** Deletes every key of a prefix. */
export const dropPrefix = (prefix: string): Promise<void> => deleteRedisPrefix(REDIS_URL, prefix);

/** Sync passes that come round quickly, so that the tests see what they do within seconds. */
export const FAST: JobQueueSettings = { sweepMs: 300, resyncMs: 500, syncLockMs: 2000 };

/** A started engine with jobs on BullMQ under `prefix`; refusals and queueing problems go to `log`. */
export async function bullmqEngine(prefix: string, settings: JobQueueSettings = {}, options: EngineOptions = {}) {
  const log: string[] = [];
  const errors: unknown[] = [];
  const env = await tempEngine({
    redisUrl: REDIS_URL,
    redisPrefix: prefix,
    jobQueues: { ...FAST, ...settings },
    jobLog: (line) => log.push(line),
    onError: (err, where) => {
      errors.push(err);
      console.error(where, err);
    },
    ...options,
  });
  return { ...env, log, errors };
}

/** A plain BullMQ worker, as a team would write it, on a job type's queue. */
export function plainWorker(prefix: string, type: string, processor: Processor<ProcessDeskJobData>, options: Partial<WorkerOptions> = {}): Worker<ProcessDeskJobData> {
  const worker = new Worker<ProcessDeskJobData>(jobQueueName(type), processor, { connection: { url: REDIS_URL }, prefix, name: 'plain', ...options });
  worker.on('error', () => undefined); // connection errors while the test tears down
  return worker;
}

/** `work`, or an error naming `what` once it has taken `ms`: a step that hangs says which one it was. */
export async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
