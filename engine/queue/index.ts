/**
 * The Scheduler port and its adapters. `createScheduler` picks BullMQ when a Redis URL is given
 * (docs/architecture.md, "The adapters"), else the embedded scheduler that polls the store.
 */
import type { Store, TimerRow } from '../store/types';
import { BullmqScheduler } from './bullmqScheduler';
import { EmbeddedScheduler } from './embeddedScheduler';
import type { Scheduler } from './types';

export type { Scheduler } from './types';
export { EmbeddedScheduler, type EmbeddedSchedulerOptions } from './embeddedScheduler';
export { BullmqScheduler, timerJobId, type BullmqSchedulerOptions, type LatenessStats } from './bullmqScheduler';

export interface CreateSchedulerOptions {
  store: Store;
  /** BullMQ on this Redis when set; the embedded scheduler otherwise. */
  redisUrl?: string;
  /** Redis key prefix (default `processdesk`, or REDIS_PREFIX in the API and worker). */
  redisPrefix?: string;
  clock?: () => number;
  onError?: (err: unknown, timer?: TimerRow) => void;
}

export function createScheduler(options: CreateSchedulerOptions): Scheduler {
  if (options.redisUrl) {
    return new BullmqScheduler({ redisUrl: options.redisUrl, store: options.store, prefix: options.redisPrefix, clock: options.clock, onError: options.onError });
  }
  return new EmbeddedScheduler(options.store, { clock: options.clock, onError: options.onError });
}
