/**
 * The BullMQ queue of each job type, made on first use in this process. Making one registers the type
 * in Redis (so every engine process watches it) and applies the type's global limits (rate limit,
 * global concurrency) to the queue, so that they hold for every worker, plain BullMQ ones included.
 * The settings file is the truth for those limits: a limit it does not set is removed.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobQueueName, typeRegistryKey } from './names';
import type { JobTypeSettingsTable } from './settings';
import type { JobQueueStats, ProcessDeskJobData } from './types';

export type JobQueue = Queue<ProcessDeskJobData>;

export class JobQueues {
  private readonly queues = new Map<string, Promise<JobQueue>>();

  constructor(
    private readonly connection: Redis,
    readonly prefix: string,
    private readonly settings: JobTypeSettingsTable,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** The queue of `type`, ready to use. */
  queue(type: string): Promise<JobQueue> {
    let queue = this.queues.get(type);
    if (!queue) {
      queue = this.open(type);
      this.queues.set(type, queue);
      queue.catch(() => this.queues.delete(type)); // try again on the next use
    }
    return queue;
  }

  private async open(type: string): Promise<JobQueue> {
    const queue = new Queue<ProcessDeskJobData>(jobQueueName(type), { connection: this.connection, prefix: this.prefix });
    queue.on('error', this.onError);
    const { rateLimit, globalConcurrency } = this.settings.of(type);
    await Promise.all([
      this.connection.sadd(typeRegistryKey(this.prefix), type),
      rateLimit ? queue.setGlobalRateLimit(rateLimit.max, rateLimit.durationMs) : queue.removeGlobalRateLimit(),
      globalConcurrency ? queue.setGlobalConcurrency(globalConcurrency) : queue.removeGlobalConcurrency(),
    ]);
    return queue;
  }

  /**
   * Whether a job of `type` was ever queued (or the type is configured): HTTP workers may ask for any
   * type, and a type nobody uses gets no queue, no registration and no connection on their account.
   */
  async isKnown(type: string): Promise<boolean> {
    if (this.queues.has(type) || this.settings.configuredTypes().includes(type)) return true;
    return (await this.connection.sismember(typeRegistryKey(this.prefix), type)) === 1;
  }

  /** Every job type that has (or had) a queue, whichever process made it, and the configured ones. */
  async knownTypes(): Promise<string[]> {
    const registered = await this.connection.smembers(typeRegistryKey(this.prefix));
    return [...new Set([...registered, ...this.settings.configuredTypes(), ...this.queues.keys()])].sort();
  }

  /** The queues opened in this process. */
  async opened(): Promise<JobQueue[]> {
    return Promise.all([...this.queues.values()]);
  }

  async stats(now: number): Promise<JobQueueStats[]> {
    const out: JobQueueStats[] = [];
    for (const type of await this.knownTypes()) {
      const queue = await this.queue(type);
      const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed');
      // Next in line: the oldest of the wait list, and the first prioritized job.
      const next = [...(await queue.getJobs(['wait'], 0, 0, true)), ...(await queue.getJobs(['prioritized'], 0, 0, true))];
      const ages = next.map((j) => now - (j.data?.createdAt ?? j.timestamp));
      out.push({
        type,
        counts: {
          waiting: counts.waiting ?? 0,
          prioritized: counts.prioritized ?? 0,
          delayed: counts.delayed ?? 0,
          active: counts.active ?? 0,
          completed: counts.completed ?? 0,
          failed: counts.failed ?? 0,
        },
        oldestWaitingMs: Math.max(0, ...ages),
      });
    }
    return out;
  }

  async close(): Promise<void> {
    const queues = await Promise.allSettled([...this.queues.values()]);
    this.queues.clear();
    await Promise.all(queues.map((q) => (q.status === 'fulfilled' ? q.value.close() : undefined)));
  }
}
