/**
 * Names in Redis. One BullMQ queue per job type, named like the type; the BullMQ job id is the engine's
 * job key. BullMQ refuses ':' in queue names and in custom job ids, and ids that are integers, while
 * job types (`io.camunda:http-json:1`) and keys (instances started by a timer) may contain ':'. Both
 * are URI-encoded: reversible, and ordinary names (`notify`, `deployment-hook`) stay as they are.
 * An engine key always contains a '.', so its id never looks like an integer.
 */

/** The BullMQ queue of a job type: `new Worker(jobQueueName('notify'), ...)`. */
export const jobQueueName = (type: string): string => encodeURIComponent(type);

/** The BullMQ job id of an engine job key. */
export const bullmqJobId = (key: string): string => encodeURIComponent(key);

/** The engine job key of a BullMQ job id; undefined for ids ProcessDesk did not make. */
export function engineJobKey(id: string | undefined): string | undefined {
  if (!id) return undefined;
  try {
    return decodeURIComponent(id);
  } catch {
    return undefined;
  }
}

/** The queue of the BullMQ timer scheduler (engine/queue/bullmqScheduler.ts). */
export const TIMER_QUEUE = 'timers';
/** The queue of sync requests: "compare job K in the store and in Redis" (sync.ts). */
export const SYNC_QUEUE = 'processdesk.sync';
/** Queue names taken by ProcessDesk itself: a job of such a type cannot be queued (it raises an incident). */
export const RESERVED_QUEUES: readonly string[] = [TIMER_QUEUE, SYNC_QUEUE];

/**
 * The Redis set of job types that ever had a queue, so that every engine process watches and sweeps
 * them (a type first used by another process included). '#' never appears in an encoded queue name,
 * so this key cannot collide with a queue's keys.
 */
export const typeRegistryKey = (prefix: string): string => `${prefix}:processdesk#job-types`;
