/**
 * The side effect of the crash test's jobs, kept outside the engine: a Redis hash with one field per
 * job key (who recorded it first; HSETNX, so the effect itself is idempotent) and a hash counting every
 * run of a job (a job re-run after a crash shows as a count above 1).
 */
import type { Redis } from 'ioredis';

export const ledgerKey = (prefix: string): string => `${prefix}:ledger`;
export const runsKey = (prefix: string): string => `${prefix}:ledger-runs`;
/** While this key exists, `npm run worker` keeps each job it has done in hand (ledgerHandlers.ts). */
export const holdKey = (prefix: string): string => `${prefix}:ledger-hold`;
/** The job keys a worker started (the set of a worker that died holds the jobs it had in hand). */
export const startedKey = (prefix: string, worker: string): string => `${prefix}:ledger-started:${worker}`;

/** Records the job's effect once and counts the run; a few ms of work so that jobs are in flight when a worker dies. */
export async function recordJob(redis: Redis, prefix: string, key: string, worker: string): Promise<{ recordedBy: string }> {
  await redis.sadd(startedKey(prefix, worker), key);
  await new Promise((r) => setTimeout(r, 2 + Math.floor(Math.random() * 8)));
  await redis.multi().hincrby(runsKey(prefix), key, 1).hsetnx(ledgerKey(prefix), key, worker).exec();
  return { recordedBy: worker };
}
