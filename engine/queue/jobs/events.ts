/**
 * Finished jobs, as they happen: a QueueEvents reader per job type turns the `completed` and `failed`
 * events of its queue into sync requests, so a plain BullMQ worker's result reaches the engine at once.
 * Events are not durable (nobody may be listening); sweeps.ts finds the results they missed. Each
 * reader holds a Redis connection, and job types may be computed (FEEL), so at most `maxReaders` types
 * are read; the results of further types are found by the sweep (every sweepMs).
 */
import { QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { engineJobKey, jobQueueName } from './names';
import type { SyncRequest } from './sync';

export class FinishedJobEvents {
  private readonly readers = new Map<string, QueueEvents>();
  private closed = false;

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
    private readonly maxReaders: number,
    private readonly request: (items: SyncRequest[]) => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Starts reading the events of a type's queue (once per type). */
  watch(type: string): void {
    if (this.closed || this.readers.has(type) || this.readers.size >= this.maxReaders) return;
    const reader = new QueueEvents(jobQueueName(type), { connection: this.connection, prefix: this.prefix });
    const finished = ({ jobId }: { jobId: string }) => {
      const key = engineJobKey(jobId);
      if (key) this.request([{ key, type }]);
    };
    reader.on('completed', finished);
    reader.on('failed', finished);
    reader.on('error', this.onError);
    this.readers.set(type, reader);
  }

  /** Resolves once every reader listens (tests wait for it before finishing jobs). */
  async ready(): Promise<void> {
    await Promise.all([...this.readers.values()].map((r) => r.waitUntilReady()));
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.readers.values()].map((r) => r.close()));
    this.readers.clear();
  }
}
